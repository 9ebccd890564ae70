"""Tone files and tone analysis for softphone tests (pure Python).

    make_tone(path, 1000, seconds=30)      # sox: S16LE mono 8 kHz sine
    a = analyze(path, (440, 1000))          # Goertzel over the middle part
    a.dominant, a.power[1000], a.rms, a.silent
    assert holds_tone(path, 1000, others=(440,))
"""

import math
import struct
import wave

from lib import proc


def make_tone(path, freq, seconds=30, rate=8000, volume=0.5):
    """Write a sine tone WAV (S16LE mono) with sox; returns path."""
    proc.run(["sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", "-e",
              "signed-integer", path, "synth", str(seconds), "sine",
              str(freq), "vol", str(volume)])
    return path


def make_silence(path, seconds=30, rate=8000):
    proc.run(["sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", "-e",
              "signed-integer", path, "trim", "0", str(seconds)])
    return path


def read_wav(path, start=0.0, seconds=None):
    """(rate, samples as floats in -1..1, first channel) of a 16-bit WAV."""
    with wave.open(path, "rb") as w:
        rate = w.getframerate()
        ch = w.getnchannels()
        width = w.getsampwidth()
        if width != 2:
            raise ValueError("%s: %d-byte samples, want 16-bit" % (path,
                                                                    width))
        total = w.getnframes()
        first = min(total, int(start * rate))
        w.setpos(first)
        n = total - first if seconds is None else min(
            total - first, int(seconds * rate))
        raw = w.readframes(n)
    count = len(raw) // 2
    vals = struct.unpack("<%dh" % count, raw[:count * 2])
    if ch > 1:
        vals = vals[::ch]
    return rate, [v / 32768.0 for v in vals]


def goertzel_power(samples, rate, freq):
    """Normalised power of freq in samples (Goertzel): ~amplitude^2 / 4
    for a pure sine at that frequency, ~0 for others."""
    n = len(samples)
    if n == 0:
        return 0.0
    k = round(n * freq / rate)
    w = 2.0 * math.pi * k / n
    coeff = 2.0 * math.cos(w)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + coeff * s1 - s2
        s2 = s1
        s1 = s0
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return power / (n * n)


class Analysis:
    """What a recording holds: .rms, .power {freq: p}, .dominant, .silent,
    .seconds (the length of the whole file)."""

    def __init__(self, rms, power, seconds, rate, silence_rms):
        self.rms = rms
        self.power = power
        self.seconds = seconds
        self.rate = rate
        self.silent = rms < silence_rms
        self.dominant = None
        if power and not self.silent:
            best = max(power, key=power.get)
            rest = [p for f, p in power.items() if f != best]
            # "dominant" only when it stands 10x above every other candidate
            # and carries a fair share of the signal's energy.
            if all(power[best] > 10 * p for p in rest) and \
                    power[best] > 0.1 * rms * rms / 2:
                self.dominant = best

    def __repr__(self):
        return "<Analysis %.1fs rate %d rms %.4f dominant %s power %s>" % (
            self.seconds, self.rate, self.rms, self.dominant,
            {f: "%.2e" % p for f, p in self.power.items()})


def analyze(path, candidates=(440, 1000), skip=0.5, window=2.0,
            silence_rms=0.003):
    """Analyse a window of the recording (after skip seconds, or the
    middle when the file is short) for the candidate frequencies."""
    with wave.open(path, "rb") as w:
        total = w.getnframes() / float(w.getframerate())
    start = skip if total >= skip + window else max(0.0,
                                                    (total - window) / 2)
    rate, xs = read_wav(path, start, window)
    rms = math.sqrt(sum(x * x for x in xs) / len(xs)) if xs else 0.0
    # Goertzel bins of several blocks, averaged, so a slightly off-bin
    # tone (codec resampling) still shows.
    block = max(1, rate // 10)
    power = {}
    for f in candidates:
        ps = [goertzel_power(xs[i:i + block], rate, f)
              for i in range(0, len(xs) - block + 1, block)]
        power[f] = sum(ps) / len(ps) if ps else 0.0
    return Analysis(rms, power, total, rate, silence_rms)


def holds_tone(path, freq, others=(440, 1000)):
    """True if the recording's dominant tone among others+freq is freq."""
    cands = tuple(sorted(set(others) | {freq}))
    return analyze(path, cands).dominant == freq


def is_silence(path, silence_rms=0.003):
    return analyze(path, (), silence_rms=silence_rms).silent
