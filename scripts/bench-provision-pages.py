#!/usr/bin/env python3
# Rough latency of the provision pages against a running `waymark demo` (50 threads, 20
# requests each, per page). Usage: scripts/bench-provision-pages.py 127.0.0.1 PORT
import http.client, re, sys, threading, time, urllib.parse
host, port = sys.argv[1], int(sys.argv[2])
def sign_in(email):
    c = http.client.HTTPConnection(host, port)
    c.request("GET", "/sign-in"); r = c.getresponse(); body = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "email": email, "password": "waymark-demo-2026"})
    c.request("POST", "/sign-in", data, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse(); r.read()
    return r.getheader("Set-Cookie").split(";")[0]
def get(c, path, cookie):
    c.request("GET", path, headers={"Cookie": cookie}); r = c.getresponse(); b = r.read(); return r.status, b.decode()
pru = sign_in("pru@demo.waymark.test"); school = sign_in("inclusion@demo.waymark.test"); la = sign_in("la@demo.waymark.test")
c = http.client.HTTPConnection(host, port)
_, settings = get(c, "/settings", pru)
pid = re.search(r'/provisions/(\d+)/waiting-list', settings).group(1)
_, cap = get(c, f"/provisions/{pid}/capacity", pru)
gid = re.search(r'/groups/(\d+)/checkin', cap).group(1)
_, today = get(c, "/today", school)
placement = re.search(r'/placements/(\d+)', today).group(1)
_, pl = get(c, f"/placements/{placement}", school)
pupil_page = None
pages = [("waiting list", f"/provisions/{pid}/waiting-list", pru), ("capacity", f"/provisions/{pid}/capacity", pru),
         ("check-in", f"/groups/{gid}/checkin", pru), ("placement", f"/placements/{placement}", school), ("today", "/today", school),
         ("today (LA)", "/today", la)]
# the journey of a placed pupil, as the inclusion lead
_, pupils = get(c, "/pupils", school)
m = re.search(r'href="/pupils/(\d+)"', pupils)
jid = m.group(1)
pages.append(("journey", f"/pupils/{jid}/journey", school))
for name, path, cookie in pages:
    times = []; lock = threading.Lock(); errors = [0]
    def worker():
        conn = http.client.HTTPConnection(host, port)
        for _ in range(20):
            t = time.perf_counter(); s, _ = get(conn, path, cookie); dt = (time.perf_counter() - t) * 1000
            with lock:
                times.append(dt)
                if s != 200: errors[0] += 1
    ts = [threading.Thread(target=worker) for _ in range(50)]
    t0 = time.perf_counter(); [t.start() for t in ts]; [t.join() for t in ts]; wall = time.perf_counter() - t0
    times.sort()
    p = lambda q: times[int(q * (len(times) - 1))]
    print(f"{name:13} n={len(times)} non-200={errors[0]} p50={p(0.5):.1f}ms p95={p(0.95):.1f}ms max={times[-1]:.1f}ms rps={len(times)/wall:.0f}")
