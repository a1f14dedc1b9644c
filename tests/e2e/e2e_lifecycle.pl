# SPDX-License-Identifier: LGPL-2.1-or-later
# Perl Sys::Virt against virtshoald: a domain's whole life.
# Usage: e2e_lifecycle.pl SHOAL_URI XML_FILE NAME HOST_URI
# The domain in XML_FILE (named NAME) must be placed on the host at HOST_URI.
use strict;
use warnings;
use Sys::Virt;
use Sys::Virt::Domain;

my ($uri, $xml_file, $name, $host_uri) = @ARGV;
$| = 1;

sub step { print "# perl: $_[0]\n"; }

sub state_of { my ($dom) = @_; my ($state) = $dom->get_state(); return $state; }

sub expect_state {
    my ($dom, $want, $what) = @_;
    my $got = state_of($dom);
    die "$what: state $got, expected $want\n" unless $got == $want;
}

# the call dies with a libvirt error of code $code
sub expect_error {
    my ($code, $what, $call) = @_;
    eval { $call->(); 1 } and die "$what succeeded\n";
    my $err = $@;
    die "$what: $err" unless ref($err) && $err->isa('Sys::Virt::Error');
    die "$what: error code " . $err->code . ", expected $code: " . $err->message . "\n"
        unless $err->code == $code;
}

my $conn = Sys::Virt->new(uri => $uri);
my $host = Sys::Virt->new(uri => $host_uri);
open(my $fh, '<', $xml_file) or die "$xml_file: $!\n";
my $xml = do { local $/; <$fh> };
close($fh);

step("define_domain");
my $dom = $conn->define_domain($xml);
die "name " . $dom->get_name() . "\n" unless $dom->get_name() eq $name;
die "not persistent\n" unless $dom->is_persistent();
expect_state($dom, Sys::Virt::Domain::STATE_SHUTOFF, "after define");
my $on_host = $host->get_domain_by_name($name);
die "not placed on $host_uri\n" unless $on_host->get_uuid_string() eq $dom->get_uuid_string();

step("create");
$dom->create();
expect_state($dom, Sys::Virt::Domain::STATE_RUNNING, "after create");
die "no <name> in XML\n" unless $dom->get_xml_description() =~ m{<name>\Q$name\E</name>};

step("set_vcpus live");
$dom->set_vcpus(2, Sys::Virt::Domain::AFFECT_LIVE);
my $live = $dom->get_vcpus(Sys::Virt::Domain::AFFECT_LIVE);
die "live vCPUs $live, expected 2\n" unless $live == 2;
die "vcpu info\n" unless $dom->get_info()->{nrVirtCpu} == 2;

step("set_memory");
$dom->set_memory(32768, Sys::Virt::Domain::AFFECT_LIVE);
$dom->set_memory(32768, Sys::Virt::Domain::AFFECT_CONFIG);
die "currentMemory not changed\n"
    unless $dom->get_xml_description(Sys::Virt::Domain::XML_INACTIVE)
        =~ m{<currentMemory unit='KiB'>32768</currentMemory>};
expect_error(Sys::Virt::Error::ERR_INVALID_ARG, "set_memory above the maximum",
             sub { $dom->set_memory(1 << 20, Sys::Virt::Domain::AFFECT_LIVE) });

step("suspend, resume");
$dom->suspend();
expect_state($dom, Sys::Virt::Domain::STATE_PAUSED, "after suspend");
$dom->resume();
expect_state($dom, Sys::Virt::Domain::STATE_RUNNING, "after resume");

step("destroy");
$dom->destroy();
expect_state($dom, Sys::Virt::Domain::STATE_SHUTOFF, "after destroy");
die "still active\n" if $dom->is_active();

step("undefine");
$dom->undefine();
expect_error(Sys::Virt::Error::ERR_NO_DOMAIN, "lookup after undefine",
             sub { $conn->get_domain_by_name($name) });
expect_error(Sys::Virt::Error::ERR_NO_DOMAIN, "lookup on the host after undefine",
             sub { $host->get_domain_by_name($name) });
die "still listed\n" if grep { $_->get_name() eq $name } $conn->list_all_domains();
print "ok\n";
