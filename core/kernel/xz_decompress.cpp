#include "core/kernel/xz_decompress.h"
#include "core/kernel/error_codes.h"

#include <lzma.h>

namespace hotsplice {
namespace {

const char* describe_lzma(lzma_ret code) {
  switch (code) {
    case LZMA_MEM_ERROR:
      return "out of memory";
    case LZMA_FORMAT_ERROR:
      return "not XZ data";
    case LZMA_OPTIONS_ERROR:
      return "unsupported XZ options";
    case LZMA_DATA_ERROR:
      return "corrupt XZ data";
    case LZMA_BUF_ERROR:
      return "XZ data ends early";
    default:
      return "liblzma error";
  }
}

}  // namespace

Expected<std::string> xz_decompress(std::string_view input, std::size_t max_output) {
  lzma_stream stream = LZMA_STREAM_INIT;
  lzma_ret started = lzma_stream_decoder(&stream, UINT64_MAX, 0);
  if (started != LZMA_OK) {
    return Error(kernel::errc::kDecompressFailed,
                 std::string("cannot start XZ decoder: ") + describe_lzma(started));
  }
  std::string output;
  stream.next_in = reinterpret_cast<const std::uint8_t*>(input.data());
  stream.avail_in = input.size();
  lzma_ret result = LZMA_OK;
  while (result == LZMA_OK) {
    if (output.size() >= max_output) {
      lzma_end(&stream);
      return Error(kernel::errc::kDecompressedTooLarge,
                   "XZ data expands beyond " + std::to_string(max_output) + " bytes");
    }
    std::size_t chunk = std::min<std::size_t>(1 << 20, max_output - output.size());
    std::size_t before = output.size();
    output.resize(before + chunk);
    stream.next_out = reinterpret_cast<std::uint8_t*>(output.data() + before);
    stream.avail_out = chunk;
    // LZMA_FINISH: all input is here; the decoder reports LZMA_BUF_ERROR if it ends early.
    result = lzma_code(&stream, LZMA_FINISH);
    output.resize(before + chunk - stream.avail_out);
  }
  lzma_end(&stream);
  if (result != LZMA_STREAM_END) {
    return Error(kernel::errc::kDecompressFailed, std::string("XZ: ") + describe_lzma(result));
  }
  return output;
}

}  // namespace hotsplice
