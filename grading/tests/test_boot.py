"""Booting: the kernel reaches the monitor, reports the machine it found,
and takes per-boot parameters from `make qemu CMDLINE=...` (fw_cfg)."""
import re

import pytest

pytestmark = pytest.mark.boot


def usable_kib(boot_output):
    m = re.search(r"usable RAM: (\d+) KiB", boot_output)
    assert m, "the boot log has no 'usable RAM: N KiB' line:\n" + boot_output
    return int(m.group(1))


def test_boot_reaches_prompt(mango):
    out = mango.boot_output
    assert "Mango x86-64 kernel booting" in out
    assert "boot loader: GRUB" in out
    assert "memory map (" in out
    assert "error:" not in out and "warning:" not in out, out


@pytest.mark.parametrize("mem_mib", [128, 256])
def test_memory_map_matches_qemu_memory(boot, mem_mib):
    """The map the kernel prints must add up to the RAM QEMU was given,
    less the BIOS's small holes (under 2 MiB on QEMU's pc machine)."""
    m = boot(mem="%dM" % mem_mib)
    kib = usable_kib(m.boot_output)
    assert mem_mib * 1024 - 2048 <= kib <= mem_mib * 1024, kib
    regions = re.findall(r"\[([0-9a-f]{16})-([0-9a-f]{16})\]\s+(\d+) KiB\s+(\w[\w ]*)", m.boot_output)
    assert regions, m.boot_output
    for start, end, size, _ in regions:
        assert int(end, 16) - int(start, 16) + 1 == int(size) * 1024 or int(size) > 0


def test_uptime_advances(mango):
    def ms():
        m = re.search(r"up (\d+)\.(\d{3}) s \((\d+) ticks at (\d+) Hz\)", mango.run("uptime"))
        assert m, "uptime printed something unexpected"
        return int(m.group(1)) * 1000 + int(m.group(2)), int(m.group(4))

    first, hz = ms()
    mango.run("help")  # let a few ticks pass
    second, _ = ms()
    assert hz == 100
    assert second > first


def test_cmdline_parameters_reach_the_kernel(boot):
    m = boot(cmdline="timer.hz=250 loglevel=7")
    out = m.run("cmdline")
    assert "command line: timer.hz=250 loglevel=7" in out
    assert re.search(r"^\s+timer\.hz=250$", out, re.M)
    assert "at 250 Hz" in m.run("uptime")


@pytest.mark.parametrize("bad, complaint", [
    ("bogus=1", "ignoring unknown kernel parameter 'bogus=1'"),
    ("=oops", "ignoring malformed kernel parameter '=oops'"),
    ("timer.hz=lots", "ignoring kernel parameter timer.hz='lots': expected a number"),
    ("loglevel=99", "ignoring kernel parameter loglevel='99': expected a number from 0 to 7"),
])
def test_bad_parameter_warns_and_still_boots(boot, bad, complaint):
    m = boot(cmdline=bad)
    assert "warning: " + complaint in m.boot_output
    if "unknown" in complaint or "malformed" in complaint:
        assert re.search(r"valid parameters: .*loglevel.*timer\.hz", m.boot_output)
    assert "at 100 Hz" in m.run("uptime")


def test_quiet_hides_the_boot_log(boot):
    m = boot(cmdline="quiet")
    assert "memory map" not in m.boot_output
    assert "usable RAM" in m.run("mem")  # commands still print


def test_loglevel_7_adds_debug_messages(boot):
    quiet = boot()
    verbose = boot(cmdline="loglevel=7")
    assert "pages: reserve" not in quiet.boot_output
    assert "pages: reserve [100000-" in verbose.boot_output
    assert "kernel image" in verbose.boot_output and "mmu: kernel image 4 KiB pages" in verbose.boot_output
