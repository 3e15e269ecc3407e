#!/usr/bin/env bash
# Table 6 throughput, one training step per method and (with --mini) the mini profile's per-protocol time on this
# machine's GPU; results in bench/results/<device>/. Any other flag goes to bench/gpu_check.py (--dry-run: CPU self-test).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python bench/gpu_check.py "$@"
