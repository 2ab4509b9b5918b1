#!/usr/bin/env python3
"""Writes the generated seeds of the fuzz corpora (tests/fuzz/corpus/<target>/seed-*).

Seeds are valid examples (many copied from tests/fixtures) plus edge cases; the binary
sequence seeds follow the operation formats documented at the top of each *_fuzz.cpp.
Inputs a fuzzer found (crash-*, regression-*) are added by hand and never rewritten here.
Run from the repository root: python3 tests/fuzz/make_seeds.py
"""
import json
import pathlib
import struct
import subprocess
import tempfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fuzz/corpus"
FIXTURES = ROOT / "tests/fixtures"
SCISSORS = b"\n--8<--\n"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
KERNEL = {"release": "6.1.0-56-amd64", "version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1",
          "build_id": "4fa2b0e9c0a1d2e3f40516273849aabbccddeeff"}


def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (directory / ("seed-" + name)).write_bytes(data)


def fixture(relative):
    return (FIXTURES / relative).read_bytes()


# --- protocol messages: JSON text, then 0xFE and the body -------------------------------
MESSAGES = {
    "sync": {"type": "sync", "id": 1, "nonce": 305419896},
    "sync_ack": {"type": "sync_ack", "re": 1, "nonce": 305419896},
    "hello_host": {"type": "hello", "id": 2, "protocol_version": 1, "agent_version": "0.1.0",
                   "role": "host", "capabilities": ["heartbeat"], "kernel": KERNEL,
                   "applied_patches": [], "environment": {"kind": "bare_metal"}},
    "hello_guest": {"type": "hello", "re": 2, "protocol_version": 1, "agent_version": "0.1.0",
                    "role": "guest", "capabilities": ["heartbeat"], "kernel": KERNEL,
                    "applied_patches": [{"id": "hs-test-0001", "module": "fake_livepatch",
                                         "enabled": True, "transition": False}],
                    "environment": {"kind": "vm", "technology": "kvm"}},
    "hello_newer_version": {"type": "hello", "id": 2, "protocol_version": 99,
                            "agent_version": "9", "role": "host", "kernel": KERNEL},
    "inventory_request": {"type": "inventory_request", "id": 3},
    "inventory": {"type": "inventory", "re": 3, "kernel": KERNEL, "applied_patches": []},
    "offer": {"type": "offer", "id": 4, "bundle_id": "hs-test-0001", "sha256": SHA,
              "size": 4096},
    "offer_traversal_id": {"type": "offer", "id": 4, "bundle_id": "../etc", "sha256": SHA,
                           "size": 1},
    "offer_too_large": {"type": "offer", "id": 4, "bundle_id": "b", "sha256": SHA,
                        "size": 18446744073709551615},
    "offer_accept": {"type": "offer_accept", "re": 4, "offset": 0},
    "transfer_complete": {"type": "transfer_complete", "re": 5, "sha256": SHA, "size": 4096},
    "apply": {"type": "apply", "id": 6, "bundle_id": "hs-test-0001"},
    "rollback": {"type": "rollback", "id": 7, "bundle_id": "hs-test-0001"},
    "result_ok": {"type": "result", "re": 6, "ok": True, "code": "ok", "message": "live",
                  "state": {"name": "fake_livepatch", "enabled": True}},
    "result_refused": {"type": "result", "re": 6, "ok": False, "code": "signature_invalid",
                       "message": "refused"},
    "heartbeat": {"type": "heartbeat", "id": 8, "seq": 1},
    "heartbeat_reply": {"type": "heartbeat", "re": 8, "seq": 1},
    "error": {"type": "error", "re": 9, "code": "bad_frame", "message": "crc mismatch"},
    "error_escapes": {"type": "error", "code": "x", "message": "line\u001b[2J"},
    "unknown_type": {"type": "reboot", "id": 10},
    "type_not_string": {"type": 5},
    "id_negative": {"type": "apply", "id": -1, "bundle_id": "b"},
    "id_too_large": {"type": "apply", "id": 4294967296, "bundle_id": "b"},
}
CHUNK = {"type": "chunk", "id": 5, "sha256": SHA, "offset": 0}

for name, message in MESSAGES.items():
    write("messages", name, json.dumps(message))
write("messages", "chunk", json.dumps(CHUNK).encode() + b"\xfe" + bytes(range(256)))
write("messages", "chunk_without_body", json.dumps(CHUNK))
write("messages", "body_on_apply", json.dumps(MESSAGES["apply"]).encode() + b"\xfebody")


# --- frame decoder: byte 0 picks chunking; bit 7 set frames the rest itself -------------
def cobs(data):
    out, block = bytearray(), bytearray()
    for byte in data:
        if byte == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(byte)
            if len(block) == 254:
                out += bytes([255]) + block
                block = bytearray()
    return bytes(out + bytes([len(block) + 1]) + block)


def frame(message, body=b""):
    text = json.dumps(message).encode()
    content = bytes([1]) + struct.pack("<I", len(text)) + text + body
    return b"\0" + cobs(content + struct.pack("<I", zlib.crc32(content))) + b"\0"


for name in ("sync", "hello_guest", "offer", "result_ok", "error"):
    write("frame_decoder", "framed_" + name, bytes([0x80 | 3]) + json.dumps(MESSAGES[name]).encode())
write("frame_decoder", "framed_chunk",
      bytes([0x80 | 7]) + json.dumps(CHUNK).encode() + b"\xfe" + bytes(range(1, 200)))
write("frame_decoder", "wire_two_frames",
      bytes([5]) + frame(MESSAGES["sync"]) + frame(CHUNK, b"\0\0abc"))
write("frame_decoder", "wire_bad_crc", bytes([1]) + frame(MESSAGES["apply"])[:-3] + b"\x01\x01\0")
write("frame_decoder", "wire_garbage_then_frame", bytes([63]) + b"noise\x00\x01\x02" +
      frame(MESSAGES["heartbeat"]))
write("frame_decoder", "wire_oversized", bytes([63]) + b"\0" + b"\x01" * 5000 + b"\0")
write("frame_decoder", "wire_bad_version", bytes([2]) + b"\0" + cobs(b"\x02\0\0\0\0\0\0\0\0") + b"\0")


# --- guest session: [id byte, opcode byte, operands] per step (guest_session_fuzz.cpp) ---
def step(request_id, opcode, *operands):
    return bytes([request_id, opcode]) + b"".join(operands)


def u32(value):
    return struct.pack(">I", value)


GOOD_ID = b"\x01"  # bent_id: any byte not divisible by 4 keeps the bundle's id
WHOLE = u32(0)     # chunk length 0: the rest of the bundle
sync = step(1, 1, u32(0x1234))
hello = step(2, 2, b"\x01")
offer = step(4, 4, b"\x01", GOOD_ID)
chunk_all = step(5, 5, b"\x01", WHOLE)
apply = step(6, 6, GOOD_ID)
rollback = step(7, 7, GOOD_ID)
restart = step(9, 11)
write("guest_session", "happy_path", sync + hello + step(3, 3) + offer + chunk_all + apply +
      step(8, 8, b"\x01", u32(1)) + rollback)
write("guest_session", "resume_after_restart", sync + offer + step(5, 5, b"\x01", u32(99)) +
      restart + offer + chunk_all + apply + restart + rollback)
write("guest_session", "apply_then_restart", offer + chunk_all + apply + restart + apply +
      rollback + rollback)
write("guest_session", "tampered_bundle", sync + step(10, 10) + apply)
write("guest_session", "apply_before_transfer", apply + offer + apply +
      step(5, 5, b"\x00", u32(10), u32(50)) + apply)
write("guest_session", "wrong_offset_and_size", step(4, 4, b"\x00", u32(17), GOOD_ID) +
      step(5, 5, b"\x00", u32(3), WHOLE) + step(6, 6, b"\x04", b"other"))
write("guest_session", "unknown_digest", step(4, 9, GOOD_ID, b"\x03abc", u32(100)) + chunk_all)
write("guest_session", "raw_garbage", step(1, 0, b"\x0c", b"\0garbage\x01\x02\0") +
      step(2, 0, b"\x20", frame(MESSAGES["apply"]) + b"\0\0"))

# --- transfer receiver: [size byte] then [opcode, operands] (transfer_receiver_fuzz.cpp) --
OFFER, RESTART = b"\x00\x00", b"\x05"
CHUNK_NEXT = lambda length: b"\x02\x01" + u32(length)
write("transfer_receiver", "whole", b"\x10" + OFFER + CHUNK_NEXT(0))
write("transfer_receiver", "resume", b"\x40" + OFFER + CHUNK_NEXT(1000) + RESTART + OFFER +
      CHUNK_NEXT(0) + OFFER)
write("transfer_receiver", "flipped_byte", b"\x08" + OFFER + b"\x03\x01" + u32(0))
write("transfer_receiver", "bad_offsets", b"\x08" + OFFER + b"\x02\x00" + u32(5) + u32(10) +
      CHUNK_NEXT(0))
write("transfer_receiver", "other_digests", b"\x08" + OFFER + CHUNK_NEXT(7) +
      b"\x01\x03abc" + u32(100) + b"\x01\x33" + u32(5) + b"\x04\x02xy" + u32(3) + b"\x02zz" +
      OFFER + CHUNK_NEXT(0))
write("transfer_receiver", "too_large", b"\x08" + b"\x00\x02" + CHUNK_NEXT(0) + b"\x00\x81")

# --- ELF objects: the hostile fixtures and the (gcc-built) objects of the unit tests -----
for path in sorted((FIXTURES / "hostile").glob("*.o")):
    write("elf_object", path.stem, path.read_bytes())
# A small kernel-style object compiled by gcc: functions in their own sections, calls and data
# references (relocations), a .modinfo that says livepatch, as a patch module's would.
with tempfile.TemporaryDirectory() as scratch:
    source = pathlib.Path(scratch) / "module.c"
    source.write_text(
        '__attribute__((section(".modinfo"), used, aligned(1))) static const char info[] =\n'
        '    "name=fuzz_livepatch\\0livepatch=Y\\0license=GPL\\0vermagic=6.1.0-56-amd64 SMP";\n'
        "int counter;\nstatic const char greeting[] = \"hello\";\n"
        "__attribute__((noinline)) int helper(int x) { return x * 3 + greeting[x & 3]; }\n"
        "int patched_function(int x) { counter += helper(x); return counter; }\n")
    subprocess.run(["gcc", "-O2", "-c", "-ffunction-sections", "-fdata-sections",
                    "-fno-asynchronous-unwind-tables", "-o", f"{scratch}/module.o", str(source)],
                   check=True)
    write("elf_object", "gcc_module", pathlib.Path(f"{scratch}/module.o").read_bytes())
write("elf_object", "not_elf", b"\x7fELF\x02\x01\x01" + b"\0" * 9)
write("elf_object", "empty", b"")

# --- /proc and /sys trees: files in proc_readers_fuzz.cpp's order -----------------------
def tree(*parts):
    return SCISSORS.join(p if isinstance(p, bytes) else p.encode() for p in parts)


fc = FIXTURES / "kernel/host-6.18.44-fc"
vz = FIXTURES / "openvz/node-vz7"
ct = FIXTURES / "openvz/container-vz7"
write("proc_readers", "host_fc", tree(
    (fc / "proc/sys/kernel/osrelease").read_bytes(), (fc / "proc/sys/kernel/version").read_bytes(),
    (fc / "sys/kernel/notes").read_bytes(), "Name:\tinit\nPid:\t1\n", "", "0::/init.scope\n",
    "processor\t: 0\nflags\t\t: fpu vme hypervisor\n", "QEMU\n", "Standard PC (Q35 + ICH9, 2009)\n",
    "", "", "", "", "1\n", "0\n", "1\n", "1\n", "0\n", "kworker/0:1\n",
    "[<0>] __schedule+0x2a2/0x8a0\n[<0>] schedule+0x4e/0xb0\n[<0>] worker_thread+0xb0/0x3c0\n"
    "[<0>] kthread+0xd7/0x100\n"))
write("proc_readers", "openvz_node", tree(
    (vz / "proc/sys/kernel/osrelease").read_bytes(), (vz / "proc/sys/kernel/version").read_bytes(),
    (vz / "sys/kernel/notes").read_bytes(), (vz / "proc/self/status").read_bytes(), "", "", "",
    "", "", "", "", (vz / "proc/vz/version").read_bytes(),
    (vz / "proc/bc/0/resources").read_bytes()))
write("proc_readers", "openvz_container", tree(
    "", "", "", (ct / "proc/self/status").read_bytes(), "container=lxc\0HOME=/\0",
    "1:name=systemd:/docker/0123456789abcdef\n", "", "", "", "", "", "x\n"))
write("proc_readers", "xen_dom0", tree(
    "5.10.0-30-amd64\n", "#1 SMP Debian\n", "", "Name:\tinit\n", "", "", "", "", "", "xen\n",
    "control_d\n"))
for path in sorted((FIXTURES / "kernel/malformed-notes").glob("*.notes")):
    write("proc_readers", "notes_" + path.stem, tree("6.1.0-56-amd64\n", "#1 SMP\n",
                                                       path.read_bytes()))
write("proc_readers", "release_with_slash", tree("../../etc\n", "#1\n"))
write("proc_readers", "garbage_flags", tree("", "", "", "", "", "", "", "", "", "", "", "", "",
                                            "yes\n", "2\n", "-1\n", "maybe\n", "7\n"))

# --- container tools and APIs ------------------------------------------------------------
write("vz_tool_output", "vzlist", fixture("openvz/vzlist-a-j.json"))
write("vz_tool_output", "prlctl", fixture("openvz/prlctl-list-a-j.json"))
write("vz_tool_output", "not_array", '{"ctid": 101}')
write("vz_tool_output", "odd_entries", '[1, null, {"ctid": -5}, {"ctid": "../x"}, '
      '{"ctid": 101, "name": "\\u001b[2J", "hostname": 7}, {"uuid": "{c3f5a6a0-2b1e-4c3d-9a7f-'
      '0123456789ab}", "type": "VM"}]')
write("container_api", "docker", fixture("containers/docker-containers-json.json"))
write("container_api", "podman", fixture("containers/podman-containers-json.json"))
write("container_api", "odd_entries", '[{"Id": ""}, {"Id": "abc", "Names": "web"}, '
      '{"Id": "0123456789abcdef", "Names": ["/"], "Status": "Up 3 hours"}, []]')
write("vz_files", "veinfo_numeric", fixture("openvz/veinfo-numeric"))
write("vz_files", "veinfo_uuid", fixture("openvz/veinfo-uuid"))
for path in sorted((vz / "etc/vz/conf").iterdir()):
    write("vz_files", "conf_" + path.name.replace(".conf", ""), path.read_bytes())
for path in sorted((FIXTURES / "containers/host-mixed/var/lib/lxc").glob("*/config")):
    write("vz_files", "lxc_" + path.parent.name, path.read_bytes())
write("vz_files", "unterminated_quotes", "HOSTNAME=\"web\nNAME='x\nlxc.uts.name = \n= x\n")

write("manifest", "hostile_latin1_byte", fixture("hostile/manifest-one-latin1-byte.hsb"))

# --- hostd: config file and control protocol ---------------------------------------------
write("hostd_config", "empty_object", "{}")
write("hostd_config", "docs_example", json.dumps({
    "libvirt": {"hotplug_channel": True},
    "repository": {"url": "https://mirror.example.net/hotsplice", "proxy": "http://proxy:3128"},
    "rollout": {"canary_percent": 10, "canary_wait_seconds": 1800, "concurrency": 8,
                "pins": {"db-primary": "hs-2026-11-cve-2024-1086"}}}, indent=2))
write("hostd_config", "full", json.dumps({
    "libvirt": {"uri": "qemu:///system", "channel_name": "org.hotsplice.agent.0",
                "hotplug_channel": True, "reconnect_interval_seconds": 5},
    "repository": {"directory": "/srv/hotsplice", "cache_dir": "/var/lib/hotsplice/repository",
                   "poll_interval_seconds": 3600, "poll_jitter_percent": 10},
    "state_dir": "/var/lib/hotsplice", "database": "/var/lib/hotsplice/hostd.db",
    "keys_dir": "/etc/hotsplice/keys.d", "control_socket": "/run/hotsplice/hostd.sock",
    "rollout": {"policy": "manual", "canary_count": 1, "canary_wait_seconds": 600,
                "concurrency": 4, "pins": {"web-1": "hs-2026-0001", "db-1": ""}},
    "timeouts": {"handshake_seconds": 30, "transfer_seconds": 300, "apply_seconds": 90,
                 "io_seconds": 30, "retry_seconds": 30, "recheck_seconds": 300},
    "log_level": "debug"}, indent=2))
write("hostd_config", "typo_key", '{"rollout": {"concurency": 4}}')
write("hostd_config", "out_of_bounds", '{"timeouts": {"apply_seconds": 5}, "rollout": '
      '{"canary_count": 1, "canary_percent": 50}}')
write("hostd_config", "wrong_types", '{"hotplug_channel": "yes", "repository": []}')
write("control_protocol", "status", '{"command":"status"}')
write("control_protocol", "apply", '{"command":"apply","guest":"web-1","patch":"hs-2026-0001"}')
write("control_protocol", "rollback_missing_patch", '{"command":"rollback","guest":"web-1"}')
write("control_protocol", "rollout_pause", '{"command":"rollout","action":"pause"}')
write("control_protocol", "unknown_command", '{"command":"reboot"}')
write("control_protocol", "response_ok", '{"ok":true,"result":{"guests":[]}}')
write("control_protocol", "response_error",
      '{"ok":false,"error":{"code":"guest_not_found","message":"no guest web-9"}}')
write("control_protocol", "not_json", 'status\n')
