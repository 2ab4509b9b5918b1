#include "core/kernel/payload_decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

#include "core/kernel/error_codes.h"
#include "core/kernel/xz_decompress.h"

namespace hotsplice {
namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;

Error too_large(std::string_view format, std::size_t max_output) {
  return Error(kernel::errc::kDecompressedTooLarge, std::string(format) + " data expands beyond " +
                                                        std::to_string(max_output) + " bytes");
}

Expected<std::string> zstd_decompress(std::string_view input, std::size_t max_output) {
  std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> stream(ZSTD_createDStream(),
                                                                    &ZSTD_freeDStream);
  if (!stream) return Error(kernel::errc::kDecompressFailed, "cannot start the zstd decoder");
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  std::string output;
  for (;;) {
    if (output.size() >= max_output) return too_large("zstd", max_output);
    const std::size_t before = output.size();
    const std::size_t chunk = std::min(kChunk, max_output - before);
    output.resize(before + chunk);
    ZSTD_outBuffer out{output.data() + before, chunk, 0};
    const std::size_t result = ZSTD_decompressStream(stream.get(), &out, &in);
    output.resize(before + out.pos);
    if (ZSTD_isError(result)) {
      return Error(kernel::errc::kDecompressFailed,
                   std::string("zstd: ") + ZSTD_getErrorName(result));
    }
    if (result == 0) return output;  // the frame is complete
    if (in.pos == in.size && out.pos < chunk) {
      return Error(kernel::errc::kDecompressFailed, "zstd data ends early");
    }
  }
}

Expected<std::string> gzip_decompress(std::string_view input, std::size_t max_output) {
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip header, not a raw zlib one.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return Error(kernel::errc::kDecompressFailed, "cannot start the gzip decoder");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(std::min<std::size_t>(input.size(), UINT32_MAX));
  std::string output;
  int result = Z_OK;
  while (result == Z_OK) {
    if (output.size() >= max_output) {
      inflateEnd(&stream);
      return too_large("gzip", max_output);
    }
    const std::size_t before = output.size();
    const std::size_t chunk = std::min(kChunk, max_output - before);
    output.resize(before + chunk);
    stream.next_out = reinterpret_cast<Bytef*>(output.data() + before);
    stream.avail_out = static_cast<uInt>(chunk);
    result = inflate(&stream, Z_NO_FLUSH);
    output.resize(before + chunk - stream.avail_out);
    if (result == Z_BUF_ERROR && stream.avail_in == 0) break;
  }
  inflateEnd(&stream);
  if (result != Z_STREAM_END) {
    return Error(
        kernel::errc::kDecompressFailed,
        std::string("gzip: ") + (stream.msg ? stream.msg : "data ends early or is corrupt"));
  }
  return output;
}

}  // namespace

Expected<std::string> decompress_kernel_payload(std::string_view payload, std::size_t max_output) {
  if (payload.starts_with("\xfd"
                          "7zXZ")) {
    return xz_decompress(payload, max_output);
  }
  if (payload.starts_with("\x28\xb5\x2f\xfd")) return zstd_decompress(payload, max_output);
  if (payload.starts_with("\x1f\x8b")) return gzip_decompress(payload, max_output);
  return Error(kernel::errc::kUnsupportedCompression,
               "the kernel payload is neither XZ, zstd nor gzip (LZ4, LZO, bzip2 and LZMA "
               "payloads are not read)");
}

}  // namespace hotsplice
