#include "core/kernel/kernel_identity_reader.h"

#include "core/base/file_io.h"
#include "core/kernel/elf_notes.h"
#include "core/kernel/error_codes.h"
#include "core/kernel/kernel_file.h"

namespace hotsplice {

Expected<std::string> read_build_id_from_notes_file(const std::filesystem::path& notes_path) {
  auto bytes = read_file(notes_path, kMaxKernelNotesBytes);
  if (!bytes) return bytes.error();
  std::span<const std::uint8_t> view(reinterpret_cast<const std::uint8_t*>(bytes->data()),
                                     bytes->size());
  return gnu_build_id_from_notes(view, notes_path.string());
}

Expected<KernelIdentity> read_kernel_identity(const std::filesystem::path& root) {
  constexpr std::string_view kContext = "reading kernel identity";
  KernelIdentity identity;
  auto release = read_kernel_line(root / "proc/sys/kernel/osrelease", kMaxReleaseLength);
  if (!release) return release.error().with_context(kContext);
  // The release names directories (/lib/modules/<release>): a '/' in it is never genuine.
  if (release->find('/') != std::string::npos) {
    return Error(kernel::errc::kInvalidValue,
                 (root / "proc/sys/kernel/osrelease").string() + ": release contains '/'")
        .with_context(kContext);
  }
  identity.release = std::move(*release);
  auto version = read_kernel_line(root / "proc/sys/kernel/version", kMaxVersionLength);
  if (!version) return version.error().with_context(kContext);
  identity.version = std::move(*version);
  auto build_id = read_build_id_from_notes_file(root / "sys/kernel/notes");
  if (!build_id) return build_id.error().with_context(kContext);
  identity.build_id = std::move(*build_id);
  return identity;
}

}  // namespace hotsplice
