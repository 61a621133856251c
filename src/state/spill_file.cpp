#include "state/spill_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

namespace cdc::state {
namespace {

// Records are changes of one row; anything this large is a damaged length.
constexpr uint32_t kMaxRecordBytes = 1u << 30;
// Spilling writes and reads whole transactions sequentially: large stdio buffers.
constexpr size_t kIoBufferBytes = 1 << 20;

void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "cannot open " + dir.string());
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0)
    throw std::system_error(saved, std::generic_category(), "cannot fsync " + dir.string());
}

}  // namespace

SpillFile::SpillFile(std::filesystem::path path, std::FILE* file, bool kept)
    : path_(std::move(path)), file_(file), kept_(kept) {
  if (file_ != nullptr) std::setvbuf(file_, nullptr, _IOFBF, kIoBufferBytes);
}

void SpillFile::open(const char* mode) {
  file_ = std::fopen(path_.c_str(), mode);
  if (file_ == nullptr) fail("cannot open spill file");
  std::setvbuf(file_, nullptr, _IOFBF, kIoBufferBytes);
}

void SpillFile::close() {
  if (file_ == nullptr) return;
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) fail("cannot close spill file");
}

std::unique_ptr<SpillFile> SpillFile::create(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "w+be");
  if (file == nullptr) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot create spill file " + path.string());
  }
  return std::unique_ptr<SpillFile>(new SpillFile(path, file, false));
}

std::unique_ptr<SpillFile> SpillFile::open_kept(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw std::system_error(ENOENT, std::generic_category(),
                            "cannot open spill file " + path.string());
  }
  auto spill = std::unique_ptr<SpillFile>(new SpillFile(path, nullptr, true));
  spill->writing_ = false;
  return spill;
}

SpillFile::~SpillFile() {
  if (file_ != nullptr) std::fclose(file_);
  if (!kept_) {
    std::error_code ignored;  // a file left behind is removed at the next start
    std::filesystem::remove(path_, ignored);
  }
}

void SpillFile::fail(const std::string& what) const {
  throw std::system_error(errno, std::generic_category(), what + " " + path_.string());
}

void SpillFile::append(std::string_view record) {
  if (file_ == nullptr) {
    open("abe");
    writing_ = true;
  }
  if (!writing_) {
    if (std::fseek(file_, 0, SEEK_END) != 0) fail("cannot seek in spill file");
    writing_ = true;
  }
  const auto size = static_cast<uint32_t>(record.size());
  const unsigned char length[4] = {
      static_cast<unsigned char>(size), static_cast<unsigned char>(size >> 8),
      static_cast<unsigned char>(size >> 16), static_cast<unsigned char>(size >> 24)};
  if (std::fwrite(length, 1, 4, file_) != 4 ||
      std::fwrite(record.data(), 1, record.size(), file_) != record.size()) {
    fail("cannot write spill file");
  }
}

void SpillFile::keep() {
  if (std::fflush(file_) != 0) fail("cannot write spill file");
  if (::fsync(::fileno(file_)) != 0) fail("cannot fsync spill file");
  sync_directory(path_.parent_path());
  kept_ = true;
  // A kept file may wait for days beside many others: no descriptor or buffer meanwhile.
  close();
}

void SpillFile::rewind() {
  if (file_ == nullptr) open("rbe");
  if (std::fflush(file_) != 0) fail("cannot write spill file");
  if (std::fseek(file_, 0, SEEK_SET) != 0) fail("cannot seek in spill file");
  writing_ = false;
}

bool SpillFile::next(std::string& record) {
  unsigned char length[4];
  if (file_ == nullptr) return false;
  const size_t got = std::fread(length, 1, 4, file_);
  if (got == 0 && std::feof(file_)) {
    if (kept_) close();  // read to the end: the next rewind opens it again
    return false;
  }
  if (got != 4) fail("spill file ends inside a record length:");
  const uint32_t size = uint32_t{length[0]} | uint32_t{length[1]} << 8 | uint32_t{length[2]} << 16 |
                        uint32_t{length[3]} << 24;
  if (size > kMaxRecordBytes) {
    errno = EBADMSG;
    fail("damaged record length in spill file");
  }
  record.resize(size);
  if (std::fread(record.data(), 1, size, file_) != size) fail("spill file ends inside a record:");
  return true;
}

SpillDirectory::SpillDirectory(std::filesystem::path dir)
    : dir_(std::move(dir)), counter_(std::make_shared<std::atomic<uint64_t>>(0)) {
  std::filesystem::create_directories(dir_);
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (entry.is_regular_file()) std::filesystem::remove(entry.path());
  }
}

SpillStoreFactory SpillDirectory::factory() {
  return [dir = dir_, counter = counter_] {
    // The process id keeps names apart from a second process (a dry run) using the same
    // directory.
    return std::unique_ptr<SpillStore>(SpillFile::create(
        dir / ("txn-" + std::to_string(::getpid()) + "-" + std::to_string(++*counter) + ".spill")));
  };
}

}  // namespace cdc::state
