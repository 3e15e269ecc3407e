"""TC-CLIP against ViFi-CLIP, and against TC-CLIP of another git revision, in one process.

Speed on a shared CPU drifts by 20% between processes, so a before/after claim needs both encoders in the same
process, called alternately on the same weights and input. This script extracts `tcclip/` of `--rev` (default HEAD)
with `git archive`, imports it as a second package beside the working tree's `tcclip`, builds ViFi-CLIP and TC-CLIP
from the working tree and TC-CLIP from the revision (weights copied from the working tree's), checks that the two
TC-CLIPs give the same logits, and prints per-view seconds and the throughput ratios of every round and their medians.

    python bench/ab_speed.py --rev d571324 --rounds 8            # the issue-16 setting: ViT-B/16, 16 frames, 2 threads
    python bench/ab_speed.py --dry-run                           # tiny model, 2 rounds: checks that the script works
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def extract_revision(rev: str, dest: Path) -> str:
    "`tcclip/` of git revision `rev` as package `tcclip_<sha>` under `dest`; returns the package name."
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True)
    if sha.returncode: raise SystemExit(f"ab_speed: git cannot resolve --rev {rev!r}: {sha.stderr.strip()}")
    name = f"tcclip_{sha.stdout.strip()}"
    archive = subprocess.run(["git", "archive", "--format=tar", rev, "tcclip"], cwd=ROOT, capture_output=True)
    if archive.returncode: raise SystemExit(f"ab_speed: git archive {rev} tcclip failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    shutil.move(str(dest / "tcclip"), str(dest / name))
    for py in (dest / name).rglob("*.py"):            # absolute self-imports point at the copy
        text = py.read_text()
        py.write_text(re.sub(r"\b(from|import) tcclip\b", rf"\1 {name}", text))
    return name


def build(video_module, kind: str, arch: str, frames: int, classes: list[str]):
    import torch
    torch.manual_seed(0)
    cfg = video_module.ModelConfig(kind=kind, arch=arch, pretrained=None, num_frames=frames)
    return video_module.build_model(cfg, classes).eval()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rev", default="HEAD", help="git revision whose TC-CLIP is timed beside the working tree's")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--arch", default="ViT-B-16")
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--json", help="also write the numbers to this file")
    p.add_argument("--dry-run", action="store_true", help="tiny model, 2 rounds (a check that the script runs)")
    a = p.parse_args(argv)
    if a.dry_run: a.arch, a.rounds, a.frames = "tiny-vit", 2, 8
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import logging; logging.getLogger().setLevel(logging.ERROR)   # open_clip's "initialized randomly": weights follow
    import torch
    torch.set_num_threads(a.threads)
    sys.path.insert(0, str(ROOT))
    from tcclip.model import video as current
    with tempfile.TemporaryDirectory() as tmp:
        name = extract_revision(a.rev, Path(tmp))
        sys.path.insert(0, tmp)
        old = importlib.import_module(f"{name}.model.video")
        classes = [f"class number {i}" for i in range(a.classes)]
        models = {"vifi": build(current, "vifi-clip", a.arch, a.frames, classes),
                  "tc": build(current, "tc-clip", a.arch, a.frames, classes),
                  f"tc@{a.rev}": build(old, "tc-clip", a.arch, a.frames, classes)}
        models[f"tc@{a.rev}"].load_state_dict(models["tc"].state_dict())
        size = models["tc"].visual.patch_size * int(models["tc"].visual.num_patches ** 0.5)
        video = torch.randn(1, a.frames, 3, size, size, generator=torch.Generator().manual_seed(0))
        seconds = {k: [] for k in models}
        with torch.inference_mode():
            logits = {k: m(video)["logits"] for k, m in models.items()}          # also the warm-up call
            diff = (logits["tc"] - logits[f"tc@{a.rev}"]).abs().max().item()
            for _ in range(a.rounds):
                for k, m in models.items():
                    t0 = time.perf_counter(); m(video); seconds[k].append(time.perf_counter() - t0)
    med = statistics.median
    ratio = lambda num, den: [x / y for x, y in zip(seconds[num], seconds[den])]
    out = {"arch": a.arch, "frames": a.frames, "classes": a.classes, "threads": a.threads, "rounds": a.rounds,
           "rev": a.rev, "max_abs_logit_diff": diff, "seconds_median": {k: med(v) for k, v in seconds.items()},
           "tc_over_vifi_throughput": med(ratio("vifi", "tc")),
           f"tc@{a.rev}_over_vifi_throughput": med(ratio("vifi", f"tc@{a.rev}")),
           f"speedup_over_{a.rev}": med(ratio(f"tc@{a.rev}", "tc"))}
    print(f"{a.arch}, {a.frames} frames, {a.classes} classes, {a.threads} threads, {a.rounds} alternating rounds; "
          f"max |logit diff| tc vs tc@{a.rev}: {diff:.2e}")
    for k, v in seconds.items(): print(f"{k:>14s}: median {med(v):.3f} s per view (min {min(v):.3f}, max {max(v):.3f})")
    for k in ("tc_over_vifi_throughput", f"tc@{a.rev}_over_vifi_throughput", f"speedup_over_{a.rev}"):
        print(f"{k}: {out[k]:.3f}")
    if a.json: Path(a.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
