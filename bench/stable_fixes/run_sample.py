#!/usr/bin/env python3
"""How many real Debian stable fixes does hotsplice-build turn into live patches?

The sample: two Debian linux-source-6.1 packages side by side (e.g. 6.1.187-1, the source of
linux-image-6.1.0-53, and the installed 6.1.192-3). Every change between them is a real
stable fix (upstream 6.1.188..6.1.192 plus Debian's own patches). Without the git history
the changes cannot be cut into commits, so the unit is one changed C file: its whole
difference between the two versions, which for most files is one stable commit.

Each sampled file is built as a live patch for the running kernel exactly as a user would:
`hotsplice-build kernel` on the newer source, with the file reverted to the older version by
--baseline-patch (the "before" build) and the stable change as --patch (the "after" build),
then the patch module (--name, against the recorded kallsyms of that kernel). Header
changes are counted, not built: hotsplice-build refuses a patch to a header
(unsupported_patch), and a header change is usually one half of a C file's fix.

Usage (about 1-4 minutes per file on 2 shared cores with the kernel tree cached):
  apt-get download linux-source-6.1=6.1.187-1 && dpkg-deb -x linux-source-6.1_*.deb old-pkg
  mkdir old new
  tar -xJf old-pkg/usr/src/linux-source-6.1.tar.xz -C old --wildcards '*.c' '*.h'
  tar -xJf /usr/src/linux-source-6.1.tar.xz -C new --wildcards '*.c' '*.h'
  bench/stable_fixes/run_sample.py --old old/linux-source-6.1 --new new/linux-source-6.1 \\
      --hotsplice-build build/debug/kmod/build/hotsplice-build \\
      --kallsyms /var/cache/hotsplice-kallsyms/<build-id of 6.1.0-56>.txt \\
      --output /tmp/stable-sample --limit 20 --seed 1
Writes <output>/results.tsv (one line per file: file, outcome, exit status, reasons,
seconds) and <output>/summary.txt; each run's report and build log stay in
<output>/runs/<n>/. Rerunning skips files that already have a result.
"""

import argparse
import collections
import filecmp
import json
import os
import random
import re
import subprocess
import sys
import time


NOT_X86_64 = ("arch/", "tools/", "scripts/", "samples/", "Documentation/", "usr/")


def changed_files(old_root, new_root):
    """Relative paths of .c/.h files that differ, are new or were deleted."""
    changed = []
    for root, _dirs, files in os.walk(new_root):
        for name in files:
            if not name.endswith((".c", ".h")):
                continue
            new_path = os.path.join(root, name)
            relative = os.path.relpath(new_path, new_root)
            old_path = os.path.join(old_root, relative)
            if not os.path.exists(old_path) or not filecmp.cmp(old_path, new_path, shallow=False):
                changed.append(relative)
    for root, _dirs, files in os.walk(old_root):
        for name in files:
            if name.endswith((".c", ".h")):
                relative = os.path.relpath(os.path.join(root, name), old_root)
                if not os.path.exists(os.path.join(new_root, relative)):
                    changed.append(relative)
    return sorted(set(changed))


def unified_diff(from_root, to_root, relative):
    """diff -u of one file with a/ b/ names, as a stable commit carries it."""
    result = subprocess.run(
        ["diff", "-u", "--label", "a/" + relative, "--label", "b/" + relative,
         os.path.join(from_root, relative), os.path.join(to_root, relative)],
        capture_output=True, text=True, errors="surrogateescape")
    if result.returncode not in (0, 1):
        raise RuntimeError("diff failed for %s: %s" % (relative, result.stderr))
    return result.stdout


def reasons_of(run_dir, stderr):
    """Refusal codes from report.json, else the error code at the start of stderr."""
    report_path = os.path.join(run_dir, "report.json")
    reasons = []
    if os.path.exists(report_path):
        try:
            with open(report_path, encoding="utf-8", errors="replace") as report_file:
                report = json.load(report_file)
            for obj in report.get("objects", []):
                for refusal in obj.get("refusals", []):
                    reasons.append(refusal.get("reason", "?"))
        except (OSError, ValueError):
            pass
    if not reasons and stderr.strip():
        reasons.append(error_code_of(stderr))
    return sorted(set(reasons))


def error_code_of(stderr):
    """The [code] hotsplice-build ends its message with; for a failed kbuild run, the
    compiler's first error (a file whose change needs the header change of the same fix
    fails to build against the other version's headers)."""
    text = stderr.strip()
    code = text[text.rfind("[") + 1:-1] if text.endswith("]") and "[" in text else ""
    # hotsplice-build escapes the newlines of kbuild's output as \x0a
    error = re.search(r"(?:fatal )?error: (.*?)(?:\\x0a|\n|$)", text)
    if code == "command_failed" and error:
        return "build_failed: " + error.group(1)[:80].replace("\t", " ").replace(",", ";")
    return code or text.splitlines()[-1][:120].replace("\t", " ")


def outcome_of(exit_status):
    return {0: "patch", 2: "refused", 3: "no_change"}.get(exit_status, "error")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", required=True, help="older source tree (.c/.h files)")
    parser.add_argument("--new", required=True, help="newer source tree (.c/.h files)")
    parser.add_argument("--source", default="/usr/src/linux-source-6.1.tar.xz",
                        help="tarball of the newer source, for hotsplice-build")
    parser.add_argument("--config", default="/boot/config-6.1.0-56-amd64")
    parser.add_argument("--release", default="6.1.0-56-amd64")
    parser.add_argument("--kallsyms", required=True)
    parser.add_argument("--hotsplice-build", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--limit", type=int, default=0, help="sample size (0: every file)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per file")
    parser.add_argument("--jobs", type=int, default=1, help="make -j for each build")
    args = parser.parse_args()

    os.makedirs(os.path.join(args.output, "runs"), exist_ok=True)
    files = changed_files(args.old, args.new)
    c_files = [f for f in files if f.endswith(".c") and os.path.exists(os.path.join(args.old, f))
               and os.path.exists(os.path.join(args.new, f))]
    # Code an x86-64 kernel never builds: other architectures, user-space tools.
    foreign = [f for f in c_files if f.startswith(NOT_X86_64) and not f.startswith("arch/x86/")]
    c_files = [f for f in c_files if f not in set(foreign)]
    headers = [f for f in files if f.endswith(".h")]
    new_or_deleted = [f for f in files if f.endswith(".c") and f not in c_files]
    sample = sorted(c_files)
    random.Random(args.seed).shuffle(sample)
    if args.limit:
        sample = sample[:args.limit]

    results_path = os.path.join(args.output, "results.tsv")
    done = {}
    if os.path.exists(results_path):
        with open(results_path, encoding="utf-8") as results_file:
            for line in results_file:
                fields = line.rstrip("\n").split("\t")
                if len(fields) >= 5 and fields[0] != "file":
                    done[fields[0]] = fields
    with open(results_path, "a", encoding="utf-8") as results_file:
        if not done:
            results_file.write("file\toutcome\texit_status\treasons\tseconds\n")
        for number, relative in enumerate(sample):
            if relative in done:
                continue
            run_dir = os.path.join(args.output, "runs", str(number))
            os.makedirs(run_dir, exist_ok=True)
            forward = os.path.join(run_dir, "fix.diff")
            backward = os.path.join(run_dir, "revert.diff")
            with open(forward, "w", encoding="utf-8", errors="surrogateescape") as out:
                out.write(unified_diff(args.old, args.new, relative))
            with open(backward, "w", encoding="utf-8", errors="surrogateescape") as out:
                out.write(unified_diff(args.new, args.old, relative))
            command = [args.hotsplice_build, "kernel", "--source", args.source,
                       "--config", args.config, "--patch", forward, "--baseline-patch", backward,
                       "--output", os.path.join(run_dir, "out"), "--name",
                       "stable_%d" % number, "--release", args.release,
                       "--kallsyms", args.kallsyms, "--jobs", str(args.jobs)]
            started = time.monotonic()
            try:
                run = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                     timeout=args.timeout)
                status, stderr = run.returncode, run.stderr
            except subprocess.TimeoutExpired:
                status, stderr = 124, "timed out after %d s" % args.timeout
            seconds = time.monotonic() - started
            with open(os.path.join(run_dir, "stderr.txt"), "w", encoding="utf-8") as out:
                out.write(stderr)
            reasons = reasons_of(os.path.join(run_dir, "out"), stderr)
            fields = [relative, outcome_of(status), str(status), ",".join(reasons),
                      "%.0f" % seconds]
            results_file.write("\t".join(fields) + "\n")
            results_file.flush()
            done[relative] = fields
            print("\t".join(fields), flush=True)
            # The kept objects are enough; the module build directory is large.
            subprocess.run(["rm", "-rf", os.path.join(run_dir, "out", "tree")], check=False)

    outcomes = collections.Counter(fields[1] for fields in done.values())
    reasons = collections.Counter(
        reason for fields in done.values() if fields[1] != "patch" for reason in
        (fields[3].split(",") if fields[3] else ["(none)"]))
    # Results written before error_code_of existed kept the whole message.
    merged = collections.Counter()
    for reason, count in reasons.items():
        merged[error_code_of(reason) if len(reason) > 60 else reason] += count
    reasons = merged
    with open(os.path.join(args.output, "summary.txt"), "w", encoding="utf-8") as out:
        out.write("changed files between the two sources: %d .c for x86-64 (%d sampled, %d "
                  "built), %d .c of other architectures and tools, %d headers (refused: "
                  "unsupported_patch), %d new or deleted .c\n"
                  % (len(c_files), len(sample), len(done), len(foreign), len(headers),
                     len(new_or_deleted)))
        for outcome, count in outcomes.most_common():
            out.write("%-10s %d\n" % (outcome, count))
        out.write("why not a patch:\n")
        for reason, count in reasons.most_common():
            out.write("  %3d  %s\n" % (count, reason))
    with open(os.path.join(args.output, "summary.txt"), encoding="utf-8") as summary:
        sys.stdout.write(summary.read())


if __name__ == "__main__":
    main()
