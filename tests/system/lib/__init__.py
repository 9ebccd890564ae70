"""Fixtures for onionsip's system tests (Python 3 standard library only).

Modules:
  harness  -- needs(), Skip, the per-test context (used by run.py)
  proc     -- child processes that never outlive the runner
  net      -- free ports, waiting, a TCP echo server
  socks    -- a minimal SOCKS5 client with Tor's extended error codes
  torctl   -- a minimal Tor control-port client
  tornet   -- a private Tor network (authorities, relays, exit, clients)
  onionkeys-- x25519 client-authorization keys (through openssl)
  stun     -- raw STUN/TURN requests for fixture checks
  coturn   -- the coturn TURN server
  baresip, linphone -- softphones driven by ctrl_tcp / stdin
  audio    -- tone files and tone detection (Goertzel)
  netns    -- network namespaces as separate hosts (root)
  capture  -- packet capture with dumpcap and payload search

See docs/testing.md for the whole picture.
"""
