"""x25519 keys for v3 onion-service client authorization.

Python's standard library has no x25519, so the keys come from the openssl
command line: `openssl genpkey -algorithm x25519` (PKCS#8 DER, the raw
private key is its last 32 bytes) and `openssl pkey -pubout` (SPKI DER,
the raw public key is its last 32 bytes).

    k = ClientAuthKey.generate()
    k.public_b32    -> service side: authorized_clients/<n>.auth,
                       ADD_ONION ... ClientAuthV3=<public_b32>
    k.private_b32   -> client side: <onion>:descriptor:x25519:<private_b32>
    k.private_b64   -> ONION_CLIENT_AUTH_ADD <onion> x25519:<private_b64>
"""

import base64
import os

from lib import proc

_PKCS8_X25519_PREFIX = bytes.fromhex("302e020100300506032b656e04220420")
_SPKI_X25519_PREFIX = bytes.fromhex("302a300506032b656e032100")


def b32(raw):
    """Unpadded upper-case base32, as tor writes keys."""
    return base64.b32encode(raw).decode("ascii").rstrip("=")


class ClientAuthKey:
    """One x25519 key pair (raw 32-byte private and public keys)."""

    def __init__(self, private_raw, public_raw):
        self.private_raw = private_raw
        self.public_raw = public_raw

    @classmethod
    def generate(cls):
        der = proc.run(["openssl", "genpkey", "-algorithm", "x25519",
                        "-outform", "DER"]).stdout
        if len(der) != 48 or not der.startswith(_PKCS8_X25519_PREFIX):
            raise RuntimeError("unexpected PKCS#8 from openssl: %s"
                               % der.hex())
        pub = proc.run(["openssl", "pkey", "-inform", "DER", "-pubout",
                        "-outform", "DER"], input=der).stdout
        if len(pub) != 44 or not pub.startswith(_SPKI_X25519_PREFIX):
            raise RuntimeError("unexpected SPKI from openssl: %s" % pub.hex())
        return cls(der[-32:], pub[-32:])

    @property
    def public_b32(self):
        return b32(self.public_raw)

    @property
    def private_b32(self):
        return b32(self.private_raw)

    @property
    def private_b64(self):
        return base64.b64encode(self.private_raw).decode("ascii")

    def service_auth_line(self):
        """Contents of a service's authorized_clients/<name>.auth file."""
        return "descriptor:x25519:%s\n" % self.public_b32

    def client_auth_line(self, onion):
        """Contents of a client's <name>.auth_private file for onion."""
        sid = onion[:-6] if onion.endswith(".onion") else onion
        return "%s:descriptor:x25519:%s\n" % (sid, self.private_b32)

    def write_client_file(self, auth_dir, onion, name="client"):
        """Write <auth_dir>/<name>.auth_private (mode 0600)."""
        os.makedirs(auth_dir, mode=0o700, exist_ok=True)
        path = os.path.join(auth_dir, "%s.auth_private" % name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.client_auth_line(onion))
        return path


def onion_address(ed25519_public_raw):
    """The v3 onion address ('<56 chars>.onion') of an Ed25519 key
    (rend-spec-v3: base32(PUBKEY | CHECKSUM | VERSION))."""
    import hashlib
    version = b"\x03"
    checksum = hashlib.sha3_256(b".onion checksum" + ed25519_public_raw +
                                version).digest()[:2]
    return base64.b32encode(ed25519_public_raw + checksum + version).decode(
        "ascii").lower() + ".onion"


def unpublished_onion():
    """A valid onion address whose service nobody runs (fresh key)."""
    der = proc.run(["openssl", "genpkey", "-algorithm", "ed25519",
                    "-outform", "DER"]).stdout
    pub = proc.run(["openssl", "pkey", "-inform", "DER", "-pubout",
                    "-outform", "DER"], input=der).stdout
    return onion_address(pub[-32:])
