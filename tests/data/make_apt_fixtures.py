#!/usr/bin/env python3
# Writes the apt fixture trees (apt-suites, apt-pinning, apt-reboot) used by
# tests/collectors/patch/. Needs the lz4 command. Run it again after changing it.
import os, subprocess, gzip, textwrap
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hosts")
def w(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f: f.write(text)
def status(pkgs):
    out=[]
    for name, ver, arch in pkgs:
        out.append(f"Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: misc\nInstalled-Size: 10\nMaintainer: Test <t@example.org>\nArchitecture: {arch}\nVersion: {ver}\nDescription: test package {name}\n long description line\n .\n more\n")
    return "\n".join(out)
def packages(pkgs):
    out=[]
    for name, ver, arch in pkgs:
        out.append(f"Package: {name}\nVersion: {ver}\nInstalled-Size: 10\nArchitecture: {arch}\nMaintainer: Test <t@example.org>\nFilename: pool/{name}_{ver}_{arch}.deb\nSize: 100\nDescription: test package {name}\n")
    return "\n".join(out)+"\n"
def release(fields, signed):
    body = "".join(f"{k}: {v}\n" for k,v in fields.items()) + "Date: Sat, 21 Nov 2026 09:00:00 UTC\nArchitectures: amd64 all\nComponents: main\nDescription: test\n"
    if signed:
        return "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + body + "-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n"
    return body
def lists(tree, site, path, dist, pkgs, fields, signed=True, comp="lz4"):
    d = f"{tree}/var/lib/apt/lists"
    prefix = f"{site}_{path}_dists_{dist.replace('/','_')}_"
    w(f"{d}/{prefix}{'InRelease' if signed else 'Release'}", release(fields, signed))
    text = packages(pkgs)
    base = f"{d}/{prefix}main_binary-amd64_Packages"
    if comp == "lz4":
        subprocess.run(["lz4", "-q", "-f", "-", base + ".lz4"], input=text.encode(), check=True)
    elif comp == "gz":
        with gzip.GzipFile(base + ".gz", "wb", mtime=0) as f: f.write(text.encode())
    else:
        w(base, text)

# Tree 1: several suites, NotAutomatic, ButAutomaticUpgrades, security, three compressions.
t = f"{root}/apt-suites"
subprocess.run(["rm", "-rf", t])
w(f"{t}/var/lib/dpkg/status", status([
    ("dpkg", "1.21.22", "amd64"), ("a", "1.0-1", "amd64"), ("b", "2.0-1", "amd64"),
    ("c", "1.0-1", "amd64"), ("d", "3.0-1", "amd64"), ("f", "1.0", "all"),
    ("k", "1.0-1", "amd64"), ("m", "2:0.9-1", "amd64"), ("local-only", "0.1", "amd64"),
    ("tilde", "1.0~rc1-1", "amd64")]) + "\nPackage: removed\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n")
lists(t, "example.org", "debian", "stable", [
    ("dpkg", "1.21.22", "amd64"), ("a", "1.0-2", "amd64"), ("b", "2.0-1", "amd64"),
    ("c", "1.1-1", "amd64"), ("f", "1.1", "all"), ("k", "1.0-1", "amd64"),
    ("m", "1:5.0-1", "amd64"), ("tilde", "1.0-1", "amd64"), ("removed", "2.0", "amd64"),
    ("notinstalled", "1.0", "amd64")],
    {"Origin": "Example", "Label": "Example", "Suite": "stable", "Codename": "alpha", "Version": "12.1"})
lists(t, "example.org", "debian-security", "stable-security", [
    ("k", "1.0-1+sec1", "amd64"), ("c", "1.0-1+sec1", "amd64"), ("f", "1.1", "all")],
    {"Origin": "Example", "Label": "Example-Security", "Suite": "stable-security", "Codename": "alpha-security"}, comp="gz")
lists(t, "example.org", "debian", "alpha-backports", [
    ("a", "2.0-1~bpo1", "amd64"), ("b", "3.0-1~bpo1", "amd64"), ("d", "4.0-1~bpo1", "amd64")],
    {"Origin": "Example Backports", "Label": "Example Backports", "Suite": "stable-backports", "Codename": "alpha-backports",
     "NotAutomatic": "yes", "ButAutomaticUpgrades": "yes"}, comp="plain")
lists(t, "example.org", "debian", "experimental", [
    ("c", "9.0-1", "amd64"), ("k", "9.0-1", "amd64")],
    {"Origin": "Example", "Label": "Example", "Suite": "experimental", "Codename": "omega", "NotAutomatic": "yes"}, signed=False)
w(f"{t}/etc/apt/sources.list",
  "deb http://example.org/debian stable main\n"
  "deb http://example.org/debian-security stable-security main\n"
  "deb http://example.org/debian alpha-backports main\n"
  "deb http://example.org/debian experimental main\n")

# Tree 2: pins and Default-Release.
t = f"{root}/apt-pinning"
subprocess.run(["rm", "-rf", t])
w(f"{t}/var/lib/dpkg/status", status([
    ("dpkg", "1.21.22", "amd64"), ("e", "1.0-1", "amd64"), ("g", "1.0-1", "amd64"),
    ("libregex-foo", "1.0", "amd64"), ("libregex-bar", "1.0", "amd64"), ("n", "1.0", "amd64"),
    ("p", "2.0", "amd64"), ("q", "1.0", "amd64")]))
lists(t, "deb.example.org", "debian", "stable", [
    ("e", "1.5-1", "amd64"), ("g", "1.2-1", "amd64"), ("libregex-foo", "2.0", "amd64"),
    ("libregex-bar", "2.0", "amd64"), ("n", "1.1", "amd64"), ("p", "2.0", "amd64"), ("q", "1.1", "amd64")],
    {"Origin": "Debian", "Label": "Debian", "Suite": "stable", "Codename": "alpha", "Version": "12"})
lists(t, "deb.example.org", "debian", "testing", [
    ("n", "1.5", "amd64"), ("p", "3.0", "amd64"), ("q", "1.2", "amd64")],
    {"Origin": "Debian", "Label": "Debian", "Suite": "testing", "Codename": "beta"})
lists(t, "packages.vendor.com", "apt", "main", [
    ("g", "5.0-1", "amd64"), ("p", "2.5", "amd64")],
    {"Origin": "Vendor", "Label": "Vendor", "Suite": "main", "Codename": "main"}, signed=False, comp="plain")
w(f"{t}/etc/apt/apt.conf.d/10default-release", 'APT::Default-Release "stable";\n')
w(f"{t}/etc/apt/preferences", textwrap.dedent("""\
    # Regex package pin: never take these from stable.
    Package: /^libregex-f/
    Pin: release a=stable
    Pin-Priority: -1

    Explanation: hold e at 1.0
    Package: e
    Pin: version 1.0*
    Pin-Priority: 1001
    """))
w(f"{t}/etc/apt/preferences.d/vendor", "Package: *\nPin: origin packages.vendor.com\nPin-Priority: 995\n")
w(f"{t}/etc/apt/preferences.d/testing-for-q.pref", "Package: q\nPin: release n=beta\nPin-Priority: 999\n")
w(f"{t}/etc/apt/preferences.d/ignored.dpkg-old", "Package: *\nPin: release a=testing\nPin-Priority: 1000\n")
w(f"{t}/etc/apt/sources.list",
  "deb http://deb.example.org/debian stable main\n"
  "deb http://deb.example.org/debian testing main\n"
  "deb http://packages.vendor.com/apt main main\n")


# Tree 3: reboot needed (a newer kernel installed than the one running), apt history.
t = f"{root}/apt-reboot"
subprocess.run(["rm", "-rf", t])
w(f"{t}/var/lib/dpkg/status", status([
    ("dpkg", "1.21.22", "amd64"), ("linux-image-6.1.0-13-amd64", "6.1.55-1", "amd64"),
    ("linux-image-6.1.0-18-amd64", "6.1.76-1", "amd64"), ("linux-image-amd64", "6.1.76-1", "amd64")]))
lists(t, "deb.example.org", "debian", "stable", [("dpkg", "1.21.22", "amd64")],
      {"Origin": "Debian", "Label": "Debian", "Suite": "stable", "Codename": "alpha"})
w(f"{t}/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n")
w(f"{t}/var/log/apt/history.log", textwrap.dedent("""\

    Start-Date: 2026-10-01  10:00:00
    Commandline: apt-get install jq
    Install: jq:amd64 (1.6-2.1)
    End-Date: 2026-10-01  10:00:05

    Start-Date: 2026-11-02  08:15:00
    Commandline: /usr/bin/unattended-upgrade
    Upgrade: linux-image-amd64:amd64 (6.1.55-1, 6.1.76-1)
    End-Date: 2026-11-02  08:16:30

    Start-Date: 2026-11-10  12:00:00
    Commandline: apt-get install curl
    Install: curl:amd64 (7.88.1-10)
    End-Date: 2026-11-10  12:00:10
    """))

with gzip.GzipFile(f"{t}/var/log/apt/history.log.1.gz", "wb", mtime=0) as f:
    f.write(textwrap.dedent("""\

        Start-Date: 2026-10-15  07:00:00
        Commandline: /usr/bin/unattended-upgrade
        Upgrade: libc6:amd64 (2.36-9+deb12u1, 2.36-9+deb12u3)
        End-Date: 2026-10-15  07:01:10
        """).encode())
