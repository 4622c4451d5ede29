#!/bin/bash
# First boot of a training VM: wait for the NVIDIA driver (it may still be installing), then
# install what the trainer needs. Nothing secret here: user data is readable by anyone who
# can describe the VM.
set -euo pipefail
for _ in $(seq 60); do
  nvidia-smi > /dev/null 2>&1 && break
  sleep 10
done
apt-get update -q
apt-get install -y -q python3-venv
