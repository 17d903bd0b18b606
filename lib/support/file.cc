#include "support/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

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

void prefault_read(const void *p, size_t n) {
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
  const uintptr_t page = 4096;
  uintptr_t b = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
  uintptr_t e = (reinterpret_cast<uintptr_t>(p) + n + page - 1) & ~(page - 1);
  if (n >= 16 * page) (void)madvise(reinterpret_cast<void *>(b), e - b, MADV_POPULATE_READ);
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

namespace {

// The temporary files being written right now, for the signal handler: fixed slots of
// NUL-terminated paths it can unlink without allocating (unlink is async-signal-safe).
constexpr int kTempSlots = 8;
constexpr size_t kTempPathMax = 4096;
char temp_paths[kTempSlots][kTempPathMax];
std::atomic<bool> temp_used[kTempSlots];
std::mutex temp_mu;  // registration only; the handler never locks
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

extern "C" void remove_temps_and_die(int sig) {
  for (int i = 0; i < kTempSlots; i++)
    if (temp_used[i].load(std::memory_order_acquire)) unlink(temp_paths[i]);
  signal(sig, SIG_DFL);  // then die of the same signal, so the parent sees how we ended
  raise(sig);
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : kCleanupSignals) {
      struct sigaction old;
      if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;  // nohup
      struct sigaction sa = {};
      sa.sa_handler = remove_temps_and_die;
      sigemptyset(&sa.sa_mask);
      sigaction(sig, &sa, nullptr);
    }
  });
}

// A temp file that the handler removes if a signal ends the process before rename(2).
class TempRegistration {
 public:
  explicit TempRegistration(const std::string &path) {
    if (path.size() >= kTempPathMax) return;
    install_handlers();
    std::lock_guard lock(temp_mu);
    for (int i = 0; i < kTempSlots; i++) {
      if (temp_used[i].load(std::memory_order_relaxed)) continue;
      memcpy(temp_paths[i], path.c_str(), path.size() + 1);
      temp_used[i].store(true, std::memory_order_release);
      slot_ = i;
      return;
    }
  }
  ~TempRegistration() {
    if (slot_ < 0) return;
    std::lock_guard lock(temp_mu);
    temp_used[slot_].store(false, std::memory_order_release);
  }
  TempRegistration(const TempRegistration &) = delete;
  TempRegistration &operator=(const TempRegistration &) = delete;

 private:
  int slot_ = -1;
};

// Leftovers of runs that were killed (SIGKILL cannot be caught) while writing `base` in `dir`:
// ".BASE.kfuncbtf-tmp.PID.XXXXXX" whose PID is no longer a process.
void remove_stale_temps(const std::string &dir, const std::string &prefix) {
  DIR *d = opendir(dir.c_str());
  if (!d) return;
  while (struct dirent *e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = n.substr(prefix.size());
    size_t dot = rest.find('.');
    if (dot == 0 || dot == std::string_view::npos) continue;
    long pid = 0;
    for (char c : rest.substr(0, dot)) pid = c >= '0' && c <= '9' && pid < 1 << 22 ? pid * 10 + (c - '0') : -1;
    if (pid <= 0 || kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}

}  // namespace

bool same_file(const std::string &a, const std::string &b) {
  struct stat sa, sb;
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

std::string temp_prefix_of(const std::string &base) { return "." + base + ".kfuncbtf-tmp."; }

namespace {

// Writes all of `data` at `off` of fd; false with errno set on an error.
bool pwrite_all(int fd, std::span<const uint8_t> data, uint64_t off) {
  for (size_t done = 0; done < data.size();) {
    ssize_t w = pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(off + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(w);
  }
  return true;
}

// Fills the new temp file `fd`; false with errno set on an error.
using Fill = bool (*)(int fd, const void *what);

bool fill_bytes(int fd, const void *what) {
  return pwrite_all(fd, *static_cast<const std::span<const uint8_t> *>(what), 0);
}

bool fill_image(int fd, const void *what) {
  const FileImage &im = *static_cast<const FileImage *>(what);
  uint64_t keep = std::min<uint64_t>({im.keep, im.size, im.src.size()});
  uint64_t done = 0;
  if (im.src_fd >= 0) {  // the kernel copies (or reflinks) the prefix, no user-space copy
    loff_t in_off = 0, out_off = 0;
    while (done < keep) {
      ssize_t n = copy_file_range(im.src_fd, &in_off, fd, &out_off, keep - done, 0);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        break;  // not supported here (EXDEV, ENOSYS, ...): the rest from memory
      }
      done += static_cast<uint64_t>(n);
    }
  }
  if (done < keep && !pwrite_all(fd, im.src.subspan(done, keep - done), done)) return false;
  if (ftruncate(fd, static_cast<off_t>(im.size)) < 0) return false;
  for (const FileImage::Piece &p : im.pieces)
    if (!pwrite_all(fd, p.bytes, p.offset)) return false;
  return true;
}

// Writes a device or pipe (what is not a regular file) in place.
using InPlace = void (*)(const std::string &path, const void *what);

void in_place_bytes(const std::string &path, const void *what) {
  write_in_place(path, *static_cast<const std::span<const uint8_t> *>(what));
}

void in_place_image(const std::string &path, const void *what) {
  write_in_place(path, static_cast<const FileImage *>(what)->bytes());
}

void write_atomic(const std::string &path_in, Fill fill, InPlace in_place, const void *what, unsigned mode) {
  // A symbolic link is written through to its target, never replaced by a regular file.
  std::string path = path_in;
  struct stat lst;
  if (lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    char *real = realpath(path.c_str(), nullptr);
    if (!real) fail("%s: a symbolic link whose target cannot be resolved: %s", path.c_str(), strerror(errno));
    path = real;
    free(real);
  }
  struct stat dst;
  if (stat(path.c_str(), &dst) == 0 && !S_ISREG(dst.st_mode)) {
    if (S_ISDIR(dst.st_mode)) fail("%s: is a directory", path_in.c_str());
    return in_place(path, what);
  }
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos) dir = slash ? path.substr(0, slash) : "/";
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string prefix = temp_prefix_of(base);
  remove_stale_temps(dir, prefix);
  std::string tmpl = dir + "/" + prefix + std::to_string(getpid()) + ".XXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0) fail("%s: cannot create a temporary file in %s: %s", path_in.c_str(), dir.c_str(), strerror(errno));
  TempRegistration reg(tmpl);
  auto cleanup = [&](const char *what, int err) {
    close(fd);
    unlink(tmpl.c_str());
    fail("%s: %s: %s", path_in.c_str(), what, strerror(err));
  };
  mode_t m = mode;
  if (stat(path.c_str(), &dst) == 0) {
    m = dst.st_mode & 07777;
  } else {
    mode_t um = umask(0);
    umask(um);
    m &= ~um;
  }
  if (fchmod(fd, m) < 0) cleanup("cannot set mode", errno);
  if (!fill(fd, what)) cleanup("write error", errno);
  if (close(fd) < 0) {
    int err = errno;
    unlink(tmpl.c_str());
    fail("%s: write error: %s", path_in.c_str(), strerror(err));
  }
  if (rename(tmpl.c_str(), path.c_str()) < 0) {
    int err = errno;
    unlink(tmpl.c_str());
    fail("%s: cannot rename into place: %s", path_in.c_str(), strerror(err));
  }
}

}  // namespace

std::vector<uint8_t> FileImage::bytes() const {
  std::vector<uint8_t> out(size);
  uint64_t keep_n = std::min<uint64_t>({keep, size, src.size()});
  std::copy(src.begin(), src.begin() + keep_n, out.begin());
  for (const Piece &p : pieces)
    if (p.offset <= size && p.bytes.size() <= size - p.offset)
      std::copy(p.bytes.begin(), p.bytes.end(), out.begin() + p.offset);
  return out;
}

void write_file_atomic(const std::string &path, std::span<const uint8_t> data, unsigned mode) {
  write_atomic(path, fill_bytes, in_place_bytes, &data, mode);
}

void write_file_atomic(const std::string &path, const FileImage &image, unsigned mode) {
  write_atomic(path, fill_image, in_place_image, &image, mode);
}

void write_stdout(std::string_view s) {
  if (fwrite(s.data(), 1, s.size(), stdout) != s.size() || fflush(stdout) != 0)
    throw Error(strfmt("standard output: write error: %s", strerror(errno)));
}

}  // namespace kfb
