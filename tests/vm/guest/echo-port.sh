#!/bin/sh
# Test helper: answers every line received on virtio port $1 with "$2:<line>", so a test
# can prove bytes travel both ways and reach the guest it meant.
port="/dev/virtio-ports/$1"
tag="$2"
exec 3<>"$port" || exit 1
while :; do
  while read -r line <&3; do
    echo "$tag:$line" >&3
  done
  usleep 100000
done
