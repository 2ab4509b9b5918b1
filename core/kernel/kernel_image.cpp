#include "core/kernel/kernel_image.h"

#include <gelf.h>
#include <libelf.h>

#include "core/base/file_io.h"
#include "core/kernel/elf_notes.h"
#include "core/kernel/error_codes.h"
#include "core/kernel/payload_decompress.h"

namespace hotsplice {
namespace {

// Offsets in the x86 boot setup header (Documentation/x86/boot.rst).
constexpr std::size_t kSetupSectorsOffset = 0x1f1;
constexpr std::size_t kHeaderMagicOffset = 0x202;
constexpr std::size_t kProtocolVersionOffset = 0x206;
constexpr std::size_t kKernelVersionOffset = 0x20e;
constexpr std::size_t kPayloadOffsetOffset = 0x248;
constexpr std::size_t kPayloadLengthOffset = 0x24c;
constexpr std::uint16_t kMinProtocolWithPayload = 0x0208;
constexpr std::size_t kMaxVersionStringLength = 512;

Error truncated(std::string_view what) {
  return Error(kernel::errc::kImageTruncated, std::string(what) + " lies outside the image");
}

template <typename Integer>
Expected<Integer> read_field(std::string_view image, std::size_t offset, std::string_view what) {
  if (offset + sizeof(Integer) > image.size()) return truncated(what);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < sizeof(Integer); ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(image[offset + i])) << (8 * i);
  }
  return static_cast<Integer>(value);
}

// "6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP ..." -> release and version.
Expected<KernelIdentity> parse_version_string(std::string_view text) {
  auto open = text.find(" (");
  auto close = text.find(") ", open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || open == 0 || close == std::string_view::npos ||
      close + 2 >= text.size()) {
    return Error(kernel::errc::kInvalidValue, "kernel version string \"" +
                                                  std::string(text.substr(0, 120)) +
                                                  "\" is not \"<release> (<builder>) <version>\"");
  }
  KernelIdentity identity;
  identity.release = std::string(text.substr(0, open));
  identity.version = std::string(text.substr(close + 2));
  if (identity.release.find(' ') != std::string::npos ||
      identity.release.size() > kMaxReleaseLength || identity.version.size() > kMaxVersionLength) {
    return Error(kernel::errc::kInvalidValue,
                 "kernel version string has an implausible release or version");
  }
  return identity;
}

Expected<std::string_view> version_string(std::string_view image) {
  auto pointer = read_field<std::uint16_t>(image, kKernelVersionOffset, "kernel_version field");
  if (!pointer) return pointer.error();
  std::size_t start = std::size_t{*pointer} + 0x200;
  if (start >= image.size()) return truncated("kernel version string");
  std::string_view rest = image.substr(start, kMaxVersionStringLength);
  auto end = rest.find('\0');
  if (end == std::string_view::npos) return truncated("end of the kernel version string");
  return rest.substr(0, end);
}

Expected<std::string_view> compressed_payload(std::string_view image) {
  auto sectors = read_field<std::uint8_t>(image, kSetupSectorsOffset, "setup_sects");
  auto offset = read_field<std::uint32_t>(image, kPayloadOffsetOffset, "payload_offset");
  auto length = read_field<std::uint32_t>(image, kPayloadLengthOffset, "payload_length");
  if (!sectors || !offset || !length) return truncated("the setup header");
  // A setup_sects of 0 means 4, for compatibility with ancient boot loaders.
  std::size_t setup_sectors = *sectors == 0 ? 4 : *sectors;
  std::size_t start = (setup_sectors + 1) * 512 + std::size_t{*offset};
  if (start > image.size() || *length > image.size() - start) return truncated("the payload");
  return image.substr(start, *length);
}

// The GNU build-id from the PT_NOTE segments of an in-memory vmlinux.
Expected<std::string> build_id_of_vmlinux(std::string& vmlinux) {
  elf_version(EV_CURRENT);
  Elf* elf = elf_memory(vmlinux.data(), vmlinux.size());
  if (elf == nullptr || elf_kind(elf) != ELF_K_ELF) {
    if (elf != nullptr) elf_end(elf);
    return Error(kernel::errc::kElfInvalid, "the decompressed payload is not an ELF vmlinux");
  }
  std::size_t segments = 0;
  std::vector<ElfNote> notes;
  Status status;
  if (elf_getphdrnum(elf, &segments) != 0) {
    status =
        Error(kernel::errc::kElfInvalid, std::string("vmlinux program headers: ") + elf_errmsg(-1));
  }
  for (std::size_t i = 0; status && i < segments; ++i) {
    GElf_Phdr header;
    if (gelf_getphdr(elf, static_cast<int>(i), &header) == nullptr || header.p_type != PT_NOTE) {
      continue;
    }
    if (header.p_offset > vmlinux.size() || header.p_filesz > vmlinux.size() - header.p_offset) {
      status = Error(kernel::errc::kElfInvalid, "vmlinux note segment lies outside the file");
      break;
    }
    auto parsed = parse_elf_notes(
        std::span(reinterpret_cast<const std::uint8_t*>(vmlinux.data()) + header.p_offset,
                  header.p_filesz),
        "vmlinux notes");
    if (!parsed) status = parsed.error();
    if (parsed) notes.insert(notes.end(), parsed->begin(), parsed->end());
  }
  elf_end(elf);
  if (!status) return status.error();
  return find_gnu_build_id(notes, "vmlinux notes");
}

}  // namespace

Expected<KernelIdentity> read_kernel_image_identity(std::string_view image) {
  if (image.size() < kHeaderMagicOffset + 4 || image.substr(kHeaderMagicOffset, 4) != "HdrS") {
    return Error(kernel::errc::kNotBzimage, "not an x86 bzImage (no \"HdrS\" setup header)");
  }
  auto protocol = read_field<std::uint16_t>(image, kProtocolVersionOffset, "protocol version");
  if (!protocol) return protocol.error();
  if (*protocol < kMinProtocolWithPayload) {
    return Error(kernel::errc::kNotBzimage, "boot protocol is older than 2.08: no payload fields");
  }
  auto text = version_string(image);
  if (!text) return text.error();
  auto identity = parse_version_string(*text);
  if (!identity) return identity.error();
  auto vmlinux = read_kernel_image_vmlinux(image);
  if (!vmlinux) return vmlinux.error();
  auto build_id = build_id_of_vmlinux(*vmlinux);
  if (!build_id) return build_id.error();
  identity->build_id = std::move(*build_id);
  return identity;
}

Expected<std::string> read_kernel_image_vmlinux(std::string_view image) {
  if (image.size() < kHeaderMagicOffset + 4 || image.substr(kHeaderMagicOffset, 4) != "HdrS") {
    return Error(kernel::errc::kNotBzimage, "not an x86 bzImage (no \"HdrS\" setup header)");
  }
  auto payload = compressed_payload(image);
  if (!payload) return payload.error();
  auto vmlinux = decompress_kernel_payload(*payload, kMaxVmlinuxBytes);
  if (!vmlinux) return vmlinux.error().with_context("decompressing the kernel payload");
  return vmlinux;
}

Expected<KernelIdentity> read_kernel_image_identity_file(const std::filesystem::path& path) {
  auto image = read_file(path, kMaxKernelImageBytes);
  if (!image) return image.error();
  auto identity = read_kernel_image_identity(*image);
  if (!identity) return identity.error().with_context(path.string());
  return identity;
}

}  // namespace hotsplice
