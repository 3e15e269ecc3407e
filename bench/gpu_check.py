"""Table 6 on whatever accelerator is at hand (issue 16): inference throughput (views/s) of ViFi-CLIP, TC-CLIP and
TC-CLIP§ (TC in vision layers 4, 8, 12) at the paper's test batch under bf16 autocast, with torch.compile off and on;
one training step per method; optionally the `mini` profile's wall time per protocol. Writes
OUT/<device>/gpu_check.json and gpu_check.md. `--dry-run`: tiny architecture, one iteration, any device (CPU in tests)."""
from __future__ import annotations

import argparse, json, os, platform, re, subprocess, sys, tempfile, time
from pathlib import Path

import torch
import torch.nn.functional as F

from tcclip.model.video import ModelConfig, build_model

METHODS = {"ViFi-CLIP": dict(kind="vifi-clip"), "TC-CLIP": dict(kind="tc-clip"),
           "TC-CLIP§": dict(kind="tc-clip", tc_layers=[4, 8, 12])}
PROTOCOLS = ("zero_shot", "few_shot", "base2novel", "fully_supervised")

def device_name(device: torch.device) -> str:
    if device.type == "cuda": return torch.cuda.get_device_name(device)
    return f"cpu-{platform.machine()}"

def slug(name: str) -> str: return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()

def sync(device):
    if device.type == "cuda": torch.cuda.synchronize(device)

def timed_loop(fn, iters: int, warmup: int, device) -> float:
    "Seconds per call of `fn` (after `warmup` calls)."
    for _ in range(warmup): fn()
    sync(device); t0 = time.perf_counter()
    for _ in range(iters): fn()
    sync(device)
    return (time.perf_counter() - t0) / iters

def make(method: str, a, device, classes: int, train: bool = False):
    torch.manual_seed(0)
    extra = dict(arch="tiny-vit", context_tokens=8, merge_r=8) if a.dry_run else dict(arch="ViT-B-16")
    if a.dry_run and "tc_layers" in METHODS[method]: extra["tc_layers"] = [2, 3]          # tiny-vit has 3 layers
    cfg = ModelConfig(**{**METHODS[method], **extra}, pretrained=None, num_frames=a.frames)
    model = build_model(cfg, [f"class {i}" for i in range(classes)]).to(device)
    return model.train() if train else model.eval()

def throughput(method, a, device, compiled: bool) -> float:
    model = make(method, a, device, a.classes)
    fn_model = torch.compile(model) if compiled else model
    video = torch.randn(a.batch, a.frames, 3, a.size, a.size, device=device)
    amp = torch.autocast(device.type, dtype=torch.bfloat16, enabled=not a.fp32)
    def step():
        with torch.inference_mode(), amp: fn_model(video)
    return a.batch / timed_loop(step, a.iters, a.warmup, device)

def train_step(method, a, device) -> float:
    model = make(method, a, device, a.train_classes, train=True)
    video = torch.randn(a.train_batch, a.frames, 3, a.size, a.size, device=device)
    labels = torch.arange(a.train_batch, device=device) % a.train_classes
    amp = torch.autocast(device.type, dtype=torch.bfloat16, enabled=not a.fp32)
    def step():
        model.zero_grad(set_to_none=True)
        with amp: loss = F.cross_entropy(model(video)["logits"].float(), labels)
        loss.backward()
    return timed_loop(step, a.iters, a.warmup, device)

def protocol_times(a) -> dict:
    "Wall time of `tcclip train` (train + eval) of TC-CLIP under each protocol of the mini profile."
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for p in PROTOCOLS:
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "tcclip.cli", "train", "--profile", "mini", "--protocol", p,
                                "--method", "tc-clip", "--out", f"{d}/{p}", "--quiet"], capture_output=True, text=True)
            out[p] = {"seconds": round(time.perf_counter() - t0, 1), "returncode": r.returncode,
                      "tail": r.stderr.strip().splitlines()[-1:] if r.returncode else []}
    return out

def markdown(res: dict) -> str:
    lines = [f"# GPU check on {res['device']}", "", f"torch {res['torch']}, {res['precision']}, frames {res['frames']}, "
             f"eval batch {res['batch']}, train batch {res['train_batch']}" + (" (DRY RUN: tiny model)" if res["dry_run"] else ""), "",
             "| method | views/s eager | views/s compiled | train step s |", "| --- | --- | --- | --- |"]
    for m, r in res["methods"].items():
        comp = r["views_per_s_compiled"]
        lines.append(f"| {m} | {r['views_per_s_eager']:.2f} | {comp if isinstance(comp, str) else f'{comp:.2f}'} | {r['train_step_s']:.3f} |")
    if res.get("protocols"):
        lines += ["", "| mini protocol | seconds | rc |", "| --- | --- | --- |"]
        lines += [f"| {p} | {r['seconds']} | {r['returncode']} |" for p, r in res["protocols"].items()]
    return "\n".join(lines) + "\n"

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="bench/results", help="results root; a folder named after the device is made in it")
    ap.add_argument("--dry-run", action="store_true", help="tiny model, one iteration, any device (a quick self-test)")
    ap.add_argument("--mini", action="store_true", help="also time the mini profile's protocols (long)")
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile measurements")
    ap.add_argument("--fp32", action="store_true", help="no bf16 autocast")
    ap.add_argument("--batch", type=int, default=8, help="eval views per batch (the authors' test_batch_size: 8)")
    ap.add_argument("--train-batch", type=int, default=4, help="videos per training step (the authors' 4 per GPU)")
    ap.add_argument("--iters", type=int, default=20); ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    a.frames, a.size, a.classes, a.train_classes = 16, 224, 400, 400
    if a.dry_run:
        a.frames, a.size, a.classes, a.train_classes, a.iters, a.warmup = 4, 32, 10, 10, 1, 0
        a.batch, a.train_batch, a.no_compile = min(a.batch, 2), min(a.train_batch, 2), True
    elif device.type != "cuda": print("warning: no CUDA device; measuring the CPU", file=sys.stderr)
    name = device_name(device)
    res = dict(device=name, torch=torch.__version__, dry_run=a.dry_run, precision="fp32" if a.fp32 else "bf16 autocast",
               frames=a.frames, batch=a.batch, train_batch=a.train_batch, methods={})
    for m in METHODS:
        r = {"views_per_s_eager": throughput(m, a, device, False)}
        try: r["views_per_s_compiled"] = "skipped" if a.no_compile else throughput(m, a, device, True)
        except Exception as e: r["views_per_s_compiled"] = f"failed: {type(e).__name__}"
        r["train_step_s"] = train_step(m, a, device)
        res["methods"][m] = r
        print(m, r, flush=True)
    if a.mini: res["protocols"] = protocol_times(a)
    out = Path(a.out) / (slug(name) + ("-dry-run" if a.dry_run else ""))
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.json").write_text(json.dumps(res, indent=1))
    (out / "gpu_check.md").write_text(markdown(res))
    print(markdown(res)); print(f"-> {out}")
    return 0

if __name__ == "__main__": sys.exit(main())
