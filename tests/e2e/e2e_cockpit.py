# SPDX-License-Identifier: LGPL-2.1-or-later
"""cockpit-machines in headless Chromium: imports a VM, lists the VMs,
force-stops one and runs it again.

usage: e2e_cockpit.py URL SCREENSHOT STEP [VM...]
STEP, comma-separated: "list" (every VM is listed), "cycle" (the first
VM: force shut down, then run), "import:NAME:DISK" (the Import VM dialog:
NAME from the disk image DISK, run and listed as running; then the shell
command $COCKPIT_CHECK_RUNNING must succeed, a screenshot of it is saved
as SCREENSHOT with -created before .png, and NAME is force shut down
and deleted with its disk).
Each wait is bounded. Exits non-zero, saying why, on failure.
"""
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

WAIT_S = 180


def until(what, check, timeout=WAIT_S):
    """Polls check() until it returns something true; fails naming what."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = check()
            if got:
                return got
        except WebDriverException:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def state(driver, vm):
    return driver.find_element(By.ID, f"vm-{vm}-system-state").text.strip()


def click(driver, css):
    elem = until(css, lambda: driver.find_element(By.CSS_SELECTOR, css))
    until(f"{css} enabled", lambda: elem.is_enabled())
    driver.execute_script("arguments[0].click();", elem)


def force_off(driver, vm):
    """Force shuts VM down from its kebab menu."""
    # the kebab's id is on the dropdown: its toggle is the button
    click(driver, f"#vm-{vm}-system-action-kebab button")
    click(driver, f"#vm-{vm}-system-forceOff a, "
          f"#vm-{vm}-system-forceOff button, #vm-{vm}-system-forceOff")
    until(f"{vm} shut off", lambda: state(driver, vm) == "Shut off")


def delete(driver, vm):
    """Deletes VM, and the disks cockpit offers to delete, from its kebab
    menu; waits until it is no longer listed."""
    click(driver, f"#vm-{vm}-system-action-kebab button")
    click(driver, f"#vm-{vm}-system-delete a, "
          f"#vm-{vm}-system-delete button, #vm-{vm}-system-delete")
    click(driver, f"#vm-{vm}-delete-modal-dialog button.pf-m-danger")
    until(f"{vm} deleted", lambda: not driver.find_elements(
        By.ID, f"vm-{vm}-system-state"))


def import_vm(driver, name, disk):
    """Cockpit's Import VM dialog, then waits for NAME to run."""
    click(driver, "#import-existing-vm")
    field = until("#vm-name", lambda: driver.find_element(By.ID, "vm-name"))
    field.send_keys(name)
    source = until("the disk image field", lambda: driver.find_element(
        By.CSS_SELECTOR, "#source-disk-group input, #source-disk input"))
    source.send_keys(disk)
    os_input = until("the OS field", lambda: driver.find_element(
        By.CSS_SELECTOR, "#os-select-group input"))
    # cockpit offers only OSes not past their end of life or released
    # within 3 years: "Generic Linux <year>" keeps up with the clock
    os_input.send_keys("Generic Linux")
    option = until("a Generic Linux option", lambda: driver.find_element(
        By.XPATH, "//*[@id='os-select-group']//li//button[contains(., 'Generic Linux')]"))
    driver.execute_script("arguments[0].click();", option)
    # the unit first: changing it converts the value
    for opt in driver.find_elements(By.CSS_SELECTOR,
                                    "#memory-size-unit-select option"):
        if opt.text.strip() == "MiB":
            opt.click()
    size = driver.find_element(By.ID, "memory-size")
    size.send_keys(Keys.CONTROL, "a")
    size.send_keys("128")
    until("128 MiB of memory",
          lambda: size.get_attribute("value") == "128", timeout=30)
    click(driver, "#create-and-run")
    until(f"{name} listed", lambda: not driver.find_elements(
        By.ID, "create-vm-dialog"), timeout=300)
    until(f"{name} listed", lambda: driver.find_elements(
        By.ID, f"vm-{name}-system-state"))
    until(f"{name} running", lambda: state(driver, name) == "Running")


def main():
    url, shot, step, vms = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    opts = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1400,1000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                              options=opts)
    try:
        driver.get(url)
        # this machine has no /dev/kvm: cockpit warns, the hosts have it
        def page_or_warning():
            for b in driver.find_elements(By.XPATH, "//button[text()='Ignore']"):
                b.click()
                return False
            return driver.find_elements(By.XPATH,
                                        "//*[contains(text(), 'Create VM')]")
        until("the machines page", page_or_warning)
        for vm in vms:
            until(f"{vm} in the list",
                  lambda: driver.find_elements(By.ID, f"vm-{vm}-system-state"))
        steps = step.split(",")
        for one in steps:
            if one.startswith("import:"):
                _, name, disk = one.split(":", 2)
                import_vm(driver, name, disk)
                check = os.environ.get("COCKPIT_CHECK_RUNNING")
                if check and subprocess.run(["sh", "-c", check]).returncode:
                    raise SystemExit(f"{name} runs in cockpit, not for: {check}")
                driver.save_screenshot(shot.replace(".png", "-created.png"))
                force_off(driver, name)
                delete(driver, name)
        if "cycle" in steps:
            vm = vms[0]
            until(f"{vm} running", lambda: state(driver, vm) == "Running")
            force_off(driver, vm)
            click(driver, f"#vm-{vm}-system-run")
            until(f"{vm} running again",
                  lambda: state(driver, vm) == "Running")
        driver.save_screenshot(shot)
        print("\n".join(f"{vm}: {state(driver, vm)}" for vm in vms))
    except SystemExit:
        # the alerts' details (e.g. why a creation failed)
        for more in driver.find_elements(By.XPATH, "//button[text()='show more']"):
            driver.execute_script("arguments[0].click();", more)
        driver.save_screenshot(shot)
        print(driver.find_element(By.TAG_NAME, "body").text[:3000])
        raise
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
