import os, time, sys, json
# every 100 ms: per-pid cumulative utime+stime (ticks) with comm + cmdline head; write JSON lines
out = open(sys.argv[1], 'w'); end = time.time() + float(sys.argv[2])
while time.time() < end:
    snap = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit(): continue
        try:
            st = open(f'/proc/{pid}/stat').read()
            rp = st.rindex(')'); f = st[rp+2:].split()
            ticks = int(f[11]) + int(f[12])
            if ticks == 0: continue
            cmd = open(f'/proc/{pid}/cmdline','rb').read().replace(b'\0', b' ')[:160].decode('utf8','replace')
            snap[pid] = [ticks, cmd]
        except Exception: pass
    out.write(json.dumps({'t': time.time(), 'p': snap}) + '\n'); out.flush()
    time.sleep(0.1)
