// Reading input files and writing outputs atomically.
//
//   kfb::MappedFile f = kfb::MappedFile::open("vmlinux");   // throws kfb::Error("vmlinux: ...")
//   std::span<const uint8_t> bytes = f.data();
//
//   kfb::write_file_atomic("out.btf", blob);   // temp file in the same directory, then rename
//
// Regular files are mmap'ed read-only; anything else (sysfs, pipes) is read into memory, and a
// pipe's descriptor is closed (fd() -1: nothing can pread it again). write_file_atomic never
// leaves a half-written file behind: on any error or catchable signal the temp file is removed
// and the destination is untouched.
//
//   kfb::report_fatal_signals("kfuncbtf", 2);   // tools/ only: what a signal may print, and
//                                               // the exit code when a mapped input shrinks
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kfb {

class MappedFile {
 public:
  static MappedFile open(const std::string &path);

  MappedFile() = default;
  MappedFile(MappedFile &&o) noexcept { *this = std::move(o); }
  MappedFile &operator=(MappedFile &&o) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();

  std::span<const uint8_t> data() const { return {ptr_, size_}; }
  size_t size() const { return size_; }
  const std::string &path() const { return path_; }
  int fd() const { return fd_; }

 private:
  std::string path_;
  const uint8_t *ptr_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  int fd_ = -1;
  int map_slot_ = -1;  // the mapping's slot for the SIGBUS handler
  std::vector<uint8_t> buf_;
};

// Lets the signal handlers speak, as `program`: a fatal signal during a write prints
// "PROGRAM: OUT: not written: killed by SIGQUIT" (then the process dies of it), and a SIGBUS
// inside a mapped input (the file was truncated while it was read: SIGBUS is the only way
// the kernel tells a mapping's reader) prints "PROGRAM: IN: the file shrank from N to M bytes
// while it was read (...); nothing was written" and exits with `input_changed_code`. Until it
// is called lib/ prints nothing and such a SIGBUS is the crash it always was. Call once, early.
void report_fatal_signals(const char *program, int input_changed_code);

// Faults in the pages of [p, p+n) for writing in one system call (MADV_POPULATE_WRITE,
// Linux 5.14+; a no-op where unsupported). Touching fresh memory page by page costs ~10 us per
// 4 KiB page fault on a VM; populating first is ~5x faster for multi-MB buffers (BTF, dumps).
void prefault_write(void *p, size_t n);
// The same for reading a mapped file's pages (MADV_POPULATE_READ): one call instead of a fault
// per 64 KiB when a large range is walked once (a base BTF's type section).
void prefault_read(const void *p, size_t n);

// Writes `data` to `path` through a temporary file in the same directory and rename(2).
// The file mode of an existing destination is kept; new files get `mode` (umask applied).
// An existing destination that is not a regular file (/dev/null, a FIFO) is written in place,
// never replaced; a directory is an error; a symbolic link is written through to its target.
// The temp file is ".BASE.kfuncbtf-tmp.PID.XXXXXX" (BASE cut to fit NAME_MAX): every signal
// that ends the process (SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGALRM, SIGUSR1, SIGXCPU,
// ..., the faults) removes it before the process dies of that signal (handlers installed on
// first use, not over SIG_IGN or another handler); ulimit -f makes the write fail (EFBIG, not
// SIGXFSZ); a later write of the same file removes those a SIGKILL left (their PID no longer
// runs).
void write_file_atomic(const std::string &path, std::span<const uint8_t> data,
                       unsigned mode = 0644);

// An output made of the first `keep` bytes of an input plus pieces written over it (offset
// order not required; later pieces win), `size` bytes in all, zeros where nothing is. The
// prefix is copied by the kernel (copy_file_range from `src_fd`) when it can, else from `src`.
struct FileImage {
  struct Piece {
    uint64_t offset;
    std::span<const uint8_t> bytes;
  };
  std::span<const uint8_t> src;  // the input's bytes
  int src_fd = -1;               // the same input, open (or -1)
  uint64_t keep = 0;
  uint64_t size = 0;
  std::vector<Piece> pieces;

  std::vector<uint8_t> bytes() const;  // the whole image in memory (stdout, devices)
};

// write_file_atomic of an image: the same temp file, signals and rename, without building the
// image in memory when the output is a regular file.
void write_file_atomic(const std::string &path, const FileImage &image, unsigned mode = 0644);

// Writes `s` to standard output, flushed: the "-" output file. A short write throws
// kfb::Error("standard output: write error: ..."). Reports use it too, so that every report that
// cannot be written is the same one message.
void write_stdout(std::string_view s);
inline void write_stdout(std::span<const uint8_t> b) {
  write_stdout(std::string_view(reinterpret_cast<const char *>(b.data()), b.size()));
}

// True when both paths exist and name the same file (device and inode, links followed).
bool same_file(const std::string &a, const std::string &b);

// ".BASE.kfuncbtf-tmp.": how the temp files of BASE start (tests, documentation); a BASE
// longer than 226 bytes is cut to its first 226.
std::string temp_prefix_of(const std::string &base);

}  // namespace kfb
