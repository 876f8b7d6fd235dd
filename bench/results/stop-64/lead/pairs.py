import os, subprocess, sys, time, statistics
a, b, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
scen = sys.argv[4]
def cpu(bin):
    p = subprocess.Popen([bin, "run", scen, "-o", "/tmp/pair.h5", "-q", "--force"])
    _, st, ru = os.wait4(p.pid, 0)
    assert st == 0
    return ru.ru_utime + ru.ru_stime
ratios = []
for i in range(n):
    if i % 2 == 0:
        ta = cpu(a); tb = cpu(b)
    else:
        tb = cpu(b); ta = cpu(a)
    ratios.append(tb / ta)
    print(f"pair {i+1}: {os.path.basename(a)} {ta:.3f} s  {os.path.basename(b)} {tb:.3f} s  ratio {tb/ta:.4f}", flush=True)
print(f"median ratio {statistics.median(ratios):.4f}  (min {min(ratios):.4f}, max {max(ratios):.4f})")
