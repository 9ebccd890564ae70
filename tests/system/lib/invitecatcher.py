"""A UDP endpoint on 127.0.0.1 that keeps the first INVITE it receives
and answers every INVITE 486, so a softphone records what it would send
and gives up at once.

    c = InviteCatcher()         # c.port: point the softphone at it
    raw = c.wait(10)            # the INVITE's bytes, or None
    c.stop()
"""

import re
import socket
import threading
import time


class InviteCatcher:
    """See the module docstring."""

    def __init__(self, tag="ic"):
        self.tag = tag.encode()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.invite = None
        self.stop_flag = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop_flag:
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            head = data.partition(b"\r\n\r\n")[0].split(b"\r\n")
            if not head[0].startswith(b"INVITE "):
                continue
            if self.invite is None:
                self.invite = data
            keep = [l for l in head[1:] if re.match(
                rb"(?i)(via|v|from|f|to|t|call-id|i|cseq)\s*:", l)]
            keep = [l + b";tag=" + self.tag
                    if re.match(rb"(?i)(to|t)\s*:", l) else l for l in keep]
            self.sock.sendto(b"SIP/2.0 486 Busy Here\r\n" +
                             b"\r\n".join(keep) +
                             b"\r\nContent-Length: 0\r\n\r\n", peer)

    def wait(self, timeout=10):
        end = time.time() + timeout
        while self.invite is None and time.time() < end:
            time.sleep(0.05)
        return self.invite

    def stop(self):
        self.stop_flag = True
        self.thread.join()
        self.sock.close()
