#include "support/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/error.h"

namespace kfb {

MappedFile &MappedFile::operator=(MappedFile &&o) noexcept {
  if (this != &o) {
    this->~MappedFile();
    path_ = std::move(o.path_);
    size_ = o.size_;
    mapped_ = o.mapped_;
    fd_ = o.fd_;
    buf_ = std::move(o.buf_);
    ptr_ = mapped_ ? o.ptr_ : buf_.data();
    o.ptr_ = nullptr;
    o.size_ = 0;
    o.mapped_ = false;
    o.fd_ = -1;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (mapped_ && ptr_) munmap(const_cast<uint8_t *>(ptr_), size_);
  if (fd_ >= 0) close(fd_);
  ptr_ = nullptr;
  mapped_ = false;
  fd_ = -1;
}

MappedFile MappedFile::open(const std::string &path) {
  MappedFile f;
  f.path_ = path;
  f.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd_ < 0) fail("%s: cannot open: %s", path.c_str(), strerror(errno));
  struct stat st;
  if (fstat(f.fd_, &st) < 0) fail("%s: cannot stat: %s", path.c_str(), strerror(errno));
  if (S_ISDIR(st.st_mode)) fail("%s: is a directory", path.c_str());
  // sysfs files (/sys/kernel/btf/*) report a size but are not always mappable: read those.
  bool sysfs = path.rfind("/sys/", 0) == 0;
  if (S_ISREG(st.st_mode) && st.st_size > 0 && !sysfs) {
    void *p = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, f.fd_, 0);
    if (p != MAP_FAILED) {
      f.ptr_ = static_cast<const uint8_t *>(p);
      f.size_ = st.st_size;
      f.mapped_ = true;
      return f;
    }
  }
  size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? st.st_size + 1 : 1 << 16;
  f.buf_.reserve(cap);
  prefault_write(f.buf_.data(), cap);
  f.buf_.resize(cap);
  size_t n = 0;
  for (;;) {
    if (n == f.buf_.size()) f.buf_.resize(f.buf_.size() * 2);
    ssize_t r = read(f.fd_, f.buf_.data() + n, f.buf_.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail("%s: read error: %s", path.c_str(), strerror(errno));
    }
    if (r == 0) break;
    n += r;
  }
  f.buf_.resize(n);
  f.ptr_ = f.buf_.data();
  f.size_ = n;
  return f;
}

void prefault_write(void *p, size_t n) {
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
  const uintptr_t page = 4096;
  uintptr_t b = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  uintptr_t e = (reinterpret_cast<uintptr_t>(p) + n) & ~(page - 1);
  if (n >= 16 * page && e > b) (void)madvise(reinterpret_cast<void *>(b), e - b, MADV_POPULATE_WRITE);
}

// A destination that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is
// written in place: renaming over it would replace the device node or the pipe.
static void write_in_place(const std::string &path, std::span<const uint8_t> data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) fail("%s: cannot open for writing: %s", path.c_str(), strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = write(fd, data.data() + off, data.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      fail("%s: write error: %s", path.c_str(), strerror(err));
    }
    off += w;
  }
  if (close(fd) < 0) fail("%s: write error: %s", path.c_str(), strerror(errno));
}

void write_file_atomic(const std::string &path, std::span<const uint8_t> data, unsigned mode) {
  struct stat dst;
  if (stat(path.c_str(), &dst) == 0 && !S_ISREG(dst.st_mode)) {
    if (S_ISDIR(dst.st_mode)) fail("%s: is a directory", path.c_str());
    return write_in_place(path, data);
  }
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos) dir = slash ? path.substr(0, slash) : "/";
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string tmpl = dir + "/." + base + ".tmpXXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0) fail("%s: cannot create a temporary file in %s: %s", path.c_str(), dir.c_str(), strerror(errno));
  auto cleanup = [&](const char *what, int err) {
    close(fd);
    unlink(tmpl.c_str());
    fail("%s: %s: %s", path.c_str(), what, strerror(err));
  };
  struct stat st;
  mode_t m = mode;
  if (stat(path.c_str(), &st) == 0) {
    m = st.st_mode & 07777;
  } else {
    mode_t um = umask(0);
    umask(um);
    m &= ~um;
  }
  if (fchmod(fd, m) < 0) cleanup("cannot set mode", errno);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = write(fd, data.data() + off, data.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      cleanup("write error", errno);
    }
    off += w;
  }
  if (close(fd) < 0) {
    int err = errno;
    unlink(tmpl.c_str());
    fail("%s: write error: %s", path.c_str(), strerror(err));
  }
  if (rename(tmpl.c_str(), path.c_str()) < 0) {
    int err = errno;
    unlink(tmpl.c_str());
    fail("%s: cannot rename into place: %s", path.c_str(), strerror(err));
  }
}

}  // namespace kfb
