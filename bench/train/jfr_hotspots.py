#!/usr/bin/env python3
"""Where a JFR recording's samples fall: the innermost frame of the project's own code (or the
first frame below a native ND4J call) for every execution and native-method sample.

    java -XX:StartFlightRecording=filename=rec.jfr,settings=profile ... ThroughputBench ...
    python3 bench/train/jfr_hotspots.py rec.jfr [--package dev.attnlab] [--top 25]

Native samples are counted at the Java frame that entered native code, so time inside ND4J's C++
kernels is attributed to the attnlab line that called them (JFR cannot see inside libnd4j).
"""
import argparse
import collections
import json
import subprocess
import sys


def frames(event):
    st = event["values"].get("stackTrace") or {}
    for f in st.get("frames", []):
        m = f["method"]
        yield f'{m["type"]["name"].replace("/", ".")}.{m["name"]}', f.get("lineNumber", -1)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("--package", default="dev.attnlab")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args(argv)
    raw = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events",
                          "jdk.ExecutionSample,jdk.NativeMethodSample", a.recording],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(raw)["recording"]["events"]
    by_site, by_entry, threads = collections.Counter(), collections.Counter(), collections.Counter()
    by_path = collections.Counter()
    for e in events:
        fs = list(frames(e))
        if not fs:
            continue
        thread = (e["values"].get("sampledThread") or {}).get("javaName", "?")
        threads[thread] += 1
        own = next(((n, l) for n, l in fs if n.startswith(a.package)), None)
        if own is None:
            continue
        by_site[f"{own[0]}:{own[1]}"] += 1
        ours = [f"{n.rsplit('.', 2)[-2]}.{n.rsplit('.', 1)[-1]}:{l}" for n, l in fs
                if n.startswith(a.package)]
        by_path[" <- ".join(ours[:3])] += 1
        # the outermost library call made from that site, e.g. Nd4j.gemm or INDArray.muli
        idx = next(i for i, (n, _) in enumerate(fs) if n.startswith(a.package))
        callee = fs[idx - 1][0] if idx > 0 else "(own code)"
        by_entry[f"{own[0].rsplit('.', 1)[-1]} -> {callee}"] += 1
    total = sum(by_site.values())
    print(f"{len(events)} samples, {total} with a {a.package} frame; by thread: "
          + ", ".join(f"{t} {n}" for t, n in threads.most_common(4)))
    print("\n## innermost project frame")
    for site, n in by_site.most_common(a.top):
        print(f"{100 * n / total:5.1f}%  {n:5d}  {site}")
    print("\n## innermost three project frames (callee <- caller <- ...)")
    for site, n in by_path.most_common(a.top):
        print(f"{100 * n / total:5.1f}%  {n:5d}  {site}")
    print("\n## project method -> library call")
    for site, n in by_entry.most_common(a.top):
        print(f"{100 * n / total:5.1f}%  {n:5d}  {site}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
