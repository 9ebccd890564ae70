#!/usr/bin/env python3
"""`onionsip sanitize` from the command line: output, exit codes, stderr.

Speaks TAP. Runs the built ./onionsip (ONIONSIP_BUILDDIR) on files from
the source tree (ONIONSIP_SRCDIR); both default to the tree above tests/.
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SRC = os.environ.get("ONIONSIP_SRCDIR", TOP)
BUILD = os.environ.get("ONIONSIP_BUILDDIR", TOP)
PROG = os.path.join(BUILD, "onionsip")
EXAMPLE = os.path.join(SRC, "docs", "examples", "baresip-invite-ice.sip")
ONION = "etsrfefoxh66b3kgwnfhk6yfpfbfjtpmg55bxagai4h2vdplidbkh5ad.onion"

tests = []


def test(fn):
    tests.append(fn)
    return fn


def run(args, stdin=None):
    p = subprocess.run([PROG, "sanitize"] + args, input=stdin,
                       capture_output=True, timeout=30)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def src(*parts):
    return os.path.join(SRC, *parts)


@test
def example_to_network():
    """The README example: rewritten, nothing of baresip or the LAN left."""
    rc, out, err = run(["--to-network", EXAMPLE])
    assert rc == 0, "exit %d: %s" % (rc, err)
    text = out.decode()
    assert text.startswith("INVITE sip:bob@"), text[:80]
    for leak in ("192.168.1.23", "2a02:1210", "baresip", "+sip.instance",
                 "urn:uuid", "alice", "Alice", "a=candidate", "ice-ufrag",
                 "096f94f51de40da4", "b36ea976a9c19434", "User-Agent",
                 "a=tool", "Supported", "NOTIFY"):
        assert leak not in text, "%r survived:\n%s" % (leak, text)
    assert "From: <sip:user@%s>;tag=" % ONION in text, text
    assert "c=IN IP4 192.0.2.1\r\n" in text, text
    assert "\r\n\r\n" in text and "\n" not in text.replace("\r\n", ""), \
        "not CRLF"


@test
def options_onion_user_relay():
    """--onion, --user and --relay end up where they belong."""
    onion = "a" * 56 + ".onion"
    rc, out, err = run(["--onion", onion, "--user", "carol", "--relay",
                        "203.0.113.5:50000", EXAMPLE])
    assert rc == 0, "exit %d: %s" % (rc, err)
    text = out.decode()
    assert "From: <sip:carol@%s>" % onion in text, text
    assert "m=audio 50000 " in text, text
    assert "c=IN IP4 203.0.113.5\r\n" in text, text
    assert "192.0.2.1" not in text, text


@test
def fresh_identifiers_each_run():
    """Call-ID, tags and branch are drawn anew every time."""
    a = run([EXAMPLE])[1].decode()
    b = run([EXAMPLE])[1].decode()
    pick = lambda t, h: re.search(r"(?m)^%s: (.*)\r$" % h, t).group(1)
    for h in ("Call-ID", "From", "Via"):
        assert pick(a, h) != pick(b, h), "%s repeated: %s" % (h, pick(a, h))


@test
def stdin_input():
    """Without FILE (or with -) the message comes from stdin."""
    data = open(EXAMPLE, "rb").read()
    rc, out, err = run([], stdin=data)
    assert rc == 0 and out.startswith(b"INVITE "), (rc, err)
    rc, out, err = run(["-"], stdin=data)
    assert rc == 0 and out.startswith(b"INVITE "), (rc, err)


@test
def to_softphone():
    """Toward the softphone: local addresses, no leak check needed."""
    rc, out, err = run(["--to-softphone", EXAMPLE])
    assert rc == 0, "exit %d: %s" % (rc, err)
    text = out.decode()
    assert "Via: SIP/2.0/UDP 127.0.0.1:5060;" in text, text
    assert "c=IN IP4 127.0.0.1\r\n" in text, text
    assert "baresip" not in text and "a=candidate" not in text, text


@test
def malformed_exit_1():
    """Malformed input: exit 1, the status and reason on stderr."""
    cases = [
        (src("tests", "corpus", "rfc4475", "badvers.dat"), "505"),
        (src("tests", "corpus", "rfc4475", "clerr.dat"), "400"),
        (src("tests", "corpus", "rfc4475", "quotbal.dat"), "400"),
    ]
    for path, code in cases:
        rc, out, err = run([path])
        assert rc == 1, "%s: exit %d" % (path, rc)
        assert out == b"", "%s printed %r" % (path, out[:60])
        assert "malformed" in err and code in err, "%s: %s" % (path, err)
    rc, out, err = run([], stdin=b"hello\r\n\r\n")
    assert rc == 1 and "malformed" in err, (rc, err)
    rc, out, err = run([], stdin=b"")
    assert rc == 1, (rc, err)


@test
def not_passed_exit_2():
    """Valid SIP onionsip would not pass: exit 2 with the reason."""
    cases = [
        (src("tests", "captures", "sip", "baresip-register.sip"), "itself"),
        (src("tests", "corpus", "rfc4475", "mpart01.dat"), "405"),
        (src("tests", "corpus", "rfc4475", "bext01.dat"), "420"),
        # The softphone dialled 127.0.0.1: that must not go out.
        (src("tests", "captures", "sip", "baresip-invite.sip"),
         "local address"),
    ]
    for path, want in cases:
        rc, out, err = run(["--to-network", path])
        assert rc == 2, "%s: exit %d (%s)" % (path, rc, err)
        assert out == b"", "%s printed %r" % (path, out[:60])
        assert "not passed" in err and want in err, "%s: %s" % (path, err)


@test
def usage_errors():
    """Bad options: exit 1 and the usage; --help: exit 0."""
    rc, out, err = run(["--bogus"])
    assert rc == 1 and "usage" in err, (rc, err)
    rc, out, err = run(["--relay", "nope", EXAMPLE])
    assert rc == 1 and "relay" in err, (rc, err)
    rc, out, err = run(["--onion", "example.com", EXAMPLE])
    assert rc == 1 and "onion" in err, (rc, err)
    rc, out, err = run(["--user", "a@b", EXAMPLE])
    assert rc == 1 and "user" in err, (rc, err)
    rc, out, err = run([EXAMPLE, EXAMPLE])
    assert rc == 1, (rc, err)
    rc, out, err = run(["/nonexistent/file.sip"])
    assert rc == 1 and "nonexistent" in err, (rc, err)
    rc, out, err = run(["--help"])
    assert rc == 0 and b"--to-network" in out, (rc, out)


def main():
    print("1..%d" % len(tests))
    failed = 0
    for i, fn in enumerate(tests, 1):
        name = "sanitize." + fn.__name__
        if not os.access(PROG, os.X_OK):
            print("not ok %d - %s # %s not built" % (i, name, PROG))
            failed += 1
            continue
        try:
            fn()
            print("ok %d - %s" % (i, name))
        except Exception as e:  # noqa: BLE001 (report every failure)
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in str(e).splitlines() or [repr(e)]:
                print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
