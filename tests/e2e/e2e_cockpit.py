# SPDX-License-Identifier: LGPL-2.1-or-later
"""cockpit-machines in headless Chromium: lists the VMs, force-stops one
and runs it again.

usage: e2e_cockpit.py URL SCREENSHOT STEP [VM...]
STEP: "list" (every VM is listed), "cycle" (the first VM: force shut down,
then run). Each wait is bounded. Exits non-zero, saying why, on failure.
"""
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

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
        if step == "cycle":
            vm = vms[0]
            until(f"{vm} running", lambda: state(driver, vm) == "Running")
            # the kebab's id is on the dropdown: its toggle is the button
            click(driver, f"#vm-{vm}-system-action-kebab button")
            click(driver, f"#vm-{vm}-system-forceOff a, "
                  f"#vm-{vm}-system-forceOff button, #vm-{vm}-system-forceOff")
            until(f"{vm} shut off", lambda: state(driver, vm) == "Shut off")
            click(driver, f"#vm-{vm}-system-run")
            until(f"{vm} running again",
                  lambda: state(driver, vm) == "Running")
        driver.save_screenshot(shot)
        print("\n".join(f"{vm}: {state(driver, vm)}" for vm in vms))
    except SystemExit:
        driver.save_screenshot(shot)
        print(driver.find_element(By.TAG_NAME, "body").text[:3000])
        raise
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
