#!/bin/sh
# The guest end of the test command channel (virtio port org.hotsplice.test.0).
# Request, one line:  <id> <base64 of a sh script>
# Reply:              HOTSPLICE-RESULT <id> <exit code> <stdout bytes> <stderr bytes>\n<stdout><stderr>
# Lengths instead of end markers keep the reply binary-safe whatever the command prints.
port=/dev/virtio-ports/org.hotsplice.test.0
if ! exec 3<>"$port"; then
  echo "HOTSPLICE-INIT-ERROR: cannot open $port"
  exit 1
fi
echo "HOTSPLICE-GUEST-READY"
work=/tmp/hotsplice-test-shell
mkdir -p "$work"
while :; do
  while read -r id script <&3; do
    # Ignore anything that is not a well-formed request (e.g. the tail of a line sent
    # before the port was open).
    case "$id" in hs[0-9a-f]*) ;; *) continue ;; esac
    echo "$script" | base64 -d >"$work/cmd" 2>/dev/null || continue
    sh "$work/cmd" </dev/null >"$work/out" 2>"$work/err" 3>&-
    status=$?
    printf 'HOTSPLICE-RESULT %s %s %s %s\n' "$id" "$status" \
      "$(wc -c <"$work/out")" "$(wc -c <"$work/err")" >&3
    cat "$work/out" "$work/err" >&3
  done
  # With no host process on the socket, reads return EOF at once: poll gently.
  usleep 100000
done
