# SPDX-License-Identifier: LGPL-2.1-or-later
# Perl Sys::Virt against virtshoald: the list helpers Perl scripts use.
use strict;
use warnings;
use Sys::Virt;

my $conn = Sys::Virt->new(uri => $ARGV[0]);
my @all = sort map { $_->get_name } $conn->list_all_domains();
die "list_all_domains: @all\n"
    unless "@all" eq "e2e-a e2e-b e2e-c e2e-off hog-e2e";
foreach my $dom ($conn->list_all_domains()) {
    my $info = $dom->get_info();
    die "no memory for " . $dom->get_name() . "\n" unless $info->{maxMem} == 65536;
}
my @running = $conn->list_domains();
die "list_domains: " . scalar(@running) . "\n" unless @running == 4;
my @defined = $conn->list_defined_domain_names(10);
die "list_defined_domain_names: @defined\n" unless "@defined" eq "e2e-off";
die "num_of_domains\n" unless $conn->num_of_domains() == 4;
die "num_of_defined_domains\n" unless $conn->num_of_defined_domains() == 1;
print "ok\n";
