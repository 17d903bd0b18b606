#include "support/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
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

namespace {
int register_mapping(const uint8_t *begin, size_t size, int fd, const std::string &path);
void unregister_mapping(int slot);
}  // namespace

MappedFile &MappedFile::operator=(MappedFile &&o) noexcept {
  if (this != &o) {
    this->~MappedFile();
    path_ = std::move(o.path_);
    size_ = o.size_;
    mapped_ = o.mapped_;
    fd_ = o.fd_;
    map_slot_ = o.map_slot_;
    buf_ = std::move(o.buf_);
    ptr_ = mapped_ ? o.ptr_ : buf_.data();
    o.ptr_ = nullptr;
    o.size_ = 0;
    o.mapped_ = false;
    o.fd_ = -1;
    o.map_slot_ = -1;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (map_slot_ >= 0) unregister_mapping(map_slot_);
  map_slot_ = -1;
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
  // A regular file is mapped. sysfs files (/sys/kernel/btf/*) report a size but are not always
  // mappable: since 6.16 /sys/kernel/btf/vmlinux is (private and read-only, as libbpf maps it),
  // the modules' files are not and their mmap fails; those are read.
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    void *p = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, f.fd_, 0);
    if (p != MAP_FAILED) {
      // A mapping the SIGBUS handler knows (the file may shrink under it); without a free
      // slot, the file is read instead.
      int slot = register_mapping(static_cast<const uint8_t *>(p), st.st_size, f.fd_, path);
      if (slot >= 0) {
        f.ptr_ = static_cast<const uint8_t *>(p);
        f.size_ = st.st_size;
        f.mapped_ = true;
        f.map_slot_ = slot;
        return f;
      }
      munmap(p, st.st_size);
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
  // A pipe, FIFO or terminal is used up: its bytes are all in memory, and no reader may
  // pread or copy_file_range from the descriptor (ESPIPE) — fd() is -1, as for from_memory.
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
    close(f.fd_);
    f.fd_ = -1;
  }
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

// ---------------------------------------------------------------- signals
//
// What a signal handler may touch: fixed slots of NUL-terminated paths, read without locks or
// allocation, and async-signal-safe calls only (unlink, write, fstat, sigaction, raise, _exit).
//
// * Every signal whose default action ends the process (SIGHUP ... SIGSYS, the real-time ones)
//   and that the process has not set otherwise (SIG_IGN under nohup, a handler of someone else)
//   removes the temp files being written, says which output was not written when
//   report_fatal_signals() was called, and the process dies of that same signal.
// * The faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE) remove the temp files and go on to the action
//   that was there before (a sanitizer's report, or the default crash).
// * SIGBUS inside a mapped input: the file shrank while it was read (a build that rewrites
//   vmlinux under us). With report_fatal_signals(), that is said and the process exits with its
//   code; no output was written, as every output is renamed into place after the reads.
// * SIGXFSZ (ulimit -f) is caught and does nothing: the write fails with EFBIG, which is reported
//   as a write error like any other, and the temp file is removed on that path.
constexpr size_t kPathMax = 4096;

//
// The slots are all zeros until used (constinit: in .bss, no start-up code), so the 192 KiB
// cost no page until a slot is taken; writing them at start-up was a fifth of the page faults
// of an emit on a module.
struct TempSlot {
  std::atomic<bool> used{false};
  char temp[kPathMax]{};
  char out[kPathMax]{};  // the output it becomes, for the message
};
constexpr int kTempSlots = 8;
constinit TempSlot temp_slots[kTempSlots];

struct MapSlot {
  std::atomic<bool> used{false};
  const uint8_t *begin = nullptr;
  size_t size = 0;
  int fd = 0;  // valid while used
  char path[kPathMax]{};
};
constexpr int kMapSlots = 16;
constinit MapSlot map_slots[kMapSlots];

std::mutex slots_mu;  // registration only; the handlers never lock

char program_name[64];              // "" until report_fatal_signals()
int input_changed_exit = 2;
std::atomic<bool> reporting{false};

struct sigaction previous[NSIG];    // the actions replaced, for the faults to go on to

constexpr int kFaults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
constexpr int kTerminating[] = {
    SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGXCPU, SIGVTALRM,
    SIGPROF, SIGIO, SIGSYS, SIGTRAP, SIGABRT,
#ifdef SIGPWR
    SIGPWR,
#endif
#ifdef SIGSTKFLT
    SIGSTKFLT,
#endif
};

const char *signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
#ifdef SIGSTKFLT
    case SIGSTKFLT: return "SIGSTKFLT";
#endif
    case SIGXCPU: return "SIGXCPU (CPU time limit)";
    case SIGVTALRM: return "SIGVTALRM";
    case SIGPROF: return "SIGPROF";
    case SIGIO: return "SIGIO";
#ifdef SIGPWR
    case SIGPWR: return "SIGPWR";
#endif
    case SIGSYS: return "SIGSYS";
  }
  return nullptr;
}

// A message built on the stack and written in one write(2), as the handlers may not allocate.
class SafeLine {
 public:
  SafeLine &operator<<(const char *s) {
    while (*s && n_ < sizeof(buf_) - 1) buf_[n_++] = *s++;
    return *this;
  }
  SafeLine &operator<<(uint64_t v) {
    char d[24];
    int k = 0;
    do d[k++] = static_cast<char>('0' + v % 10); while ((v /= 10) && k < 24);
    while (k && n_ < sizeof(buf_) - 1) buf_[n_++] = d[--k];
    return *this;
  }
  void write_line() {
    buf_[n_++] = '\n';
    ssize_t r = ::write(STDERR_FILENO, buf_, n_);
    (void)r;
  }

 private:
  char buf_[2 * kPathMax + 256];
  size_t n_ = 0;
};

// Removes the temp files; says for each which output was not written and why (sig > 0).
void remove_temps(int sig) {
  for (TempSlot &t : temp_slots) {
    if (!t.used.load(std::memory_order_acquire)) continue;
    unlink(t.temp);
    if (sig > 0 && program_name[0]) {
      SafeLine l;
      l << program_name << ": " << t.out << ": not written: killed by ";
      if (const char *name = signal_name(sig)) l << name;
      else l << "signal " << static_cast<uint64_t>(sig);
      l.write_line();
    }
  }
}

extern "C" void on_terminating_signal(int sig) {
  remove_temps(sig);
  signal(sig, SIG_DFL);  // then die of the same signal, so the parent sees how we ended
  raise(sig);            // delivered when the handler returns (the signal is blocked in it)
}

extern "C" void on_file_size_limit(int) {}  // the write gets EFBIG instead

// A SIGBUS inside a mapped input: say so and exit; nothing else to do, the bytes are gone.
void input_shrank(const siginfo_t *si) {
  const uint8_t *a = static_cast<const uint8_t *>(si->si_addr);
  for (MapSlot &m : map_slots) {
    if (!m.used.load(std::memory_order_acquire) || a < m.begin || a >= m.begin + m.size) continue;
    remove_temps(0);
    SafeLine l;
    l << program_name << ": " << m.path << ": the file shrank from " << static_cast<uint64_t>(m.size);
    struct stat st;
    if (fstat(m.fd, &st) == 0) l << " to " << static_cast<uint64_t>(st.st_size);
    l << " bytes while it was read (rewritten by another process?); nothing was written";
    l.write_line();
    _exit(input_changed_exit);
  }
}

extern "C" void on_fault(int sig, siginfo_t *si, void *) {
  if (sig == SIGBUS && si->si_code > 0 && reporting.load(std::memory_order_acquire)) input_shrank(si);
  remove_temps(sig);
  // Go on to the action we replaced: a fault happens again when the handler returns and meets
  // it with its own siginfo; a sent signal (si_code <= 0) or the default action is raised.
  sigaction(sig, &previous[sig], nullptr);
  bool handler = (previous[sig].sa_flags & SA_SIGINFO) || (previous[sig].sa_handler != SIG_DFL &&
                                                          previous[sig].sa_handler != SIG_IGN);
  if (si->si_code <= 0 || !handler) {
    if (!handler) signal(sig, SIG_DFL);
    raise(sig);
  }
}

// Installs the handlers once (first temp file, or first mapping with reporting on).
void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto is_default = [](const struct sigaction &a) {
      return !(a.sa_flags & SA_SIGINFO) && a.sa_handler == SIG_DFL;
    };
    auto set = [](int sig, void (*fn)(int)) {
      struct sigaction sa = {};
      sa.sa_handler = fn;
      sigemptyset(&sa.sa_mask);
      sigaction(sig, &sa, nullptr);
    };
    std::vector<int> terminating(std::begin(kTerminating), std::end(kTerminating));
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) terminating.push_back(sig);
    for (int sig : terminating)
      if (sigaction(sig, nullptr, &previous[sig]) == 0 && is_default(previous[sig]))
        set(sig, on_terminating_signal);  // not over SIG_IGN (nohup) or a handler of others
    if (sigaction(SIGXFSZ, nullptr, &previous[SIGXFSZ]) == 0 && is_default(previous[SIGXFSZ]))
      set(SIGXFSZ, on_file_size_limit);
    for (int sig : kFaults) {
      if (sigaction(sig, nullptr, &previous[sig]) != 0) continue;
      if (!(previous[sig].sa_flags & SA_SIGINFO) && previous[sig].sa_handler == SIG_IGN) continue;
      struct sigaction sa = {};
      sa.sa_sigaction = on_fault;
      sa.sa_flags = SA_SIGINFO | SA_NODEFER;  // a fault inside the handler must not hang it
      sigemptyset(&sa.sa_mask);
      sigaction(sig, &sa, nullptr);
    }
  });
}

int register_mapping(const uint8_t *begin, size_t size, int fd, const std::string &path) {
  if (reporting.load(std::memory_order_acquire)) install_handlers();
  std::lock_guard lock(slots_mu);
  for (int i = 0; i < kMapSlots; i++) {
    MapSlot &m = map_slots[i];
    if (m.used.load(std::memory_order_relaxed)) continue;
    m.begin = begin;
    m.size = size;
    m.fd = fd;
    size_t n = std::min(path.size(), kPathMax - 1);
    memcpy(m.path, path.data(), n);
    m.path[n] = 0;
    m.used.store(true, std::memory_order_release);
    return i;
  }
  return -1;
}

void unregister_mapping(int slot) {
  std::lock_guard lock(slots_mu);
  map_slots[slot].used.store(false, std::memory_order_release);
}

// A temp file that the handlers remove if a signal ends the process before rename(2).
class TempRegistration {
 public:
  TempRegistration(const std::string &temp, const std::string &out) {
    if (temp.size() >= kPathMax) return;
    install_handlers();
    std::lock_guard lock(slots_mu);
    for (int i = 0; i < kTempSlots; i++) {
      TempSlot &t = temp_slots[i];
      if (t.used.load(std::memory_order_relaxed)) continue;
      memcpy(t.temp, temp.c_str(), temp.size() + 1);
      size_t n = std::min(out.size(), kPathMax - 1);
      memcpy(t.out, out.data(), n);
      t.out[n] = 0;
      t.used.store(true, std::memory_order_release);
      slot_ = i;
      return;
    }
  }
  ~TempRegistration() {
    if (slot_ < 0) return;
    std::lock_guard lock(slots_mu);
    temp_slots[slot_].used.store(false, std::memory_order_release);
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

void report_fatal_signals(const char *program, int input_changed_code) {
  size_t n = std::min(strlen(program), sizeof(program_name) - 1);
  memcpy(program_name, program, n);
  program_name[n] = 0;
  input_changed_exit = input_changed_code;
  reporting.store(true, std::memory_order_release);
  install_handlers();
}

bool same_file(const std::string &a, const std::string &b) {
  struct stat sa, sb;
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

std::string temp_prefix_of(const std::string &base) {
  // NAME_MAX (255) holds ".BASE.kfuncbtf-tmp." + a PID (at most 7 digits, pid_max 2^22) +
  // ".XXXXXX": a longer BASE is cut (at a UTF-8 character boundary), so a file name the file
  // system takes gets a temp name it takes too; PID and mkstemp's letters keep it unique.
  constexpr size_t kMaxBase = 255 - (1 + 14) - 7 - 7;
  size_t n = base.size();
  if (n > kMaxBase) {
    n = kMaxBase;
    while (n > 0 && (static_cast<unsigned char>(base[n]) & 0xc0) == 0x80) n--;
  }
  return "." + base.substr(0, n) + ".kfuncbtf-tmp.";
}

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
    if (!real) {
      // /dev/stdout on a pipe: /proc/self/fd/1 -> "pipe:[1234]", no path, yet a pipe to write.
      int err = errno;
      struct stat t;
      if (stat(path.c_str(), &t) == 0 && !S_ISREG(t.st_mode) && !S_ISDIR(t.st_mode)) return in_place(path, what);
      fail("%s: a symbolic link whose target cannot be resolved: %s", path.c_str(), strerror(err));
    }
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
  TempRegistration reg(tmpl, path_in);
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
