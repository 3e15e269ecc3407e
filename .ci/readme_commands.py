"""Print the two commands README.md opens with (the first two fenced shell blocks), for .ci/run."""
import re
from pathlib import Path

blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", Path("README.md").read_text(encoding="utf-8"), re.S)
commands = [" ".join(line.strip().rstrip("\\").strip() for line in b.strip().splitlines()) for b in blocks[:2]]
if len(commands) == 2:
    print("INSTALL_AND_RUN:", commands[0])
    print("TEST:", commands[1])
