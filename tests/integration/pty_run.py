#!/usr/bin/env python3
"""A tiny expect for the integration tests (lib.sh's pty_run wraps it).

pty_run.py TRANSCRIPT STEPS_FILE CMD... runs CMD on a pseudo-terminal, so it sees a TTY on stdin
and stdout. Each line of STEPS_FILE is "EXPECTED-TEXT<TAB>ANSWER": wait (at most 20 s) for the
text, then type the answer and Enter. Prints CMD's exit status; everything CMD wrote to the
terminal goes to TRANSCRIPT. Exits 99 when an expected text does not appear.
"""
import os, pty, select, sys, time
transcript, steps_file, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
steps = [l.rstrip("\n").split("\t", 1) for l in open(steps_file) if l.strip()]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
out = b""
def read_some(deadline):
    global out
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    if not data:
        return None
    out += data
    return True
pos = 0
for expected, answer in steps:
    deadline = time.time() + 20
    while expected.encode() not in out[pos:]:
        if time.time() > deadline or read_some(deadline) is None:
            open(transcript, "wb").write(out)
            print("timeout waiting for %r" % expected, file=sys.stderr)
            os.kill(pid, 9)
            sys.exit(99)
    pos = out.index(expected.encode(), pos) + len(expected)
    os.write(fd, answer.encode() + b"\r")
deadline = time.time() + 60
while time.time() < deadline and read_some(deadline) is not None:
    pass
_, status = os.waitpid(pid, 0)
open(transcript, "wb").write(out)
print(os.waitstatus_to_exitcode(status))
