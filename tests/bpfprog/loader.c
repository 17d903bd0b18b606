/* /init of the BPF-program oracle's initramfs (tests/bpfprog/oracle.sh): asks the booted kernel's
 * verifier for its verdict on every program of every object listed in /objs/list, one program
 * per load, and prints one line per program to the console:
 *
 *   KFB\t<object>\t<program>\t<section>\t<verdict>\t<errno>\t<message>\t<libbpf>\t<log>
 *
 * verdict is "accepted" or "refused"; errno is the load's errno name (0 when accepted); message is
 * the verifier log's last meaningful line (the kernel's reason; libbpf's own warning when libbpf
 * stopped before the kernel saw the program); libbpf is what libbpf printed at warn/info level
 * during the open and load, plus its "poisoning" debug lines (a weak kfunc extern that did not
 * resolve); log is the verifier log (log_level 1): all of a refusal's (its last 64 KiB at most),
 * the last lines of an acceptance's. Fields are escaped to
 * one line (\\, \t, \n). Then "KFB done <programs>" and power off.
 *
 * A list line "run:<object>" also runs each SEC("syscall") program of that object that loaded
 * (BPF_PROG_TEST_RUN, no context) and prints what it did, after its KFB line:
 *
 *   KFBRUN\t<object>\t<program>\t<errno of the run>\t<retval>\t<globals>
 *
 * globals: every variable of the object's .bss and .data after the run, "name=value" (unsigned,
 * little-endian, up to 8 bytes), comma-separated in section order.
 *
 * One program per load, as libbpf would load it if it were the only one asked for: every other
 * program's autoload is off. A struct_ops program cannot load without its struct_ops map (the map
 * is what gives libbpf the kernel struct and member index the program is attached to, the
 * kernel's attach_btf_id and expected_attach_type); but libbpf turns autoload back on for every
 * program referenced by an auto-created struct_ops map (bpf_object_adjust_struct_ops_autoload).
 * So for a struct_ops program the maps that reference it are kept and every other function
 * pointer of their initial value (the shadow of the struct, holding struct bpf_program pointers:
 * bpf_map__initial_value) is cleared, and the struct_ops maps that do not reference it are not
 * created; for any other program no struct_ops map is created. Creating a struct_ops map
 * registers nothing (that is bpf_map__attach_struct_ops), so no scheduler ever runs here.
 * A program's __flag(...) annotations (selftests) are applied as test_loader.c applies them.
 *
 * Built static in the sid chroot against libbpf.a, libelf.a, libz.a, libzstd.a. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define ENOTSUPP_KERNEL 524 /* the kernel-internal ENOTSUPP some paths return */
#define LOG_SIZE (16u << 20) /* big enough for log_level 1 of the schedulers here; see below */
#define TAIL_LINES 12
#define TAIL_BYTES (64u << 10)
#define LIBBPF_MAX 8192

static char *vlog;
static char libbpf_msgs[LIBBPF_MAX];
static size_t libbpf_len;

/* libbpf's printer: keep warn and info, and the debug lines that show a silently poisoned
 * kfunc call or map load (the only trace libbpf leaves of them). */
static int on_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[2048];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		return 0;
	if (level == LIBBPF_DEBUG && !strstr(line, "poisoning"))
		return 0;
	/* The log itself is reported from our buffer; libbpf's restatements of the errno add
	 * nothing to the verdict line. */
	if (strstr(line, "-- BEGIN PROG LOAD LOG --") || strstr(line, "BPF program load failed:") ||
	    strstr(line, ": failed to load: ") || strstr(line, "failed to load object '"))
		return 0;
	n = snprintf(libbpf_msgs + libbpf_len, LIBBPF_MAX - libbpf_len, "%s", line);
	if (n > 0)
		libbpf_len += (size_t)n < LIBBPF_MAX - libbpf_len ? (size_t)n : LIBBPF_MAX - 1 - libbpf_len;
	return 0;
}

static void put_escaped(const char *s, size_t len)
{
	for (size_t i = 0; i < len && s[i]; i++) {
		switch (s[i]) {
		case '\\': fputs("\\\\", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': break;
		default: putchar(s[i]);
		}
	}
}

static void put_field(const char *s)
{
	putchar('\t');
	put_escaped(s, strlen(s));
}

/* A line that carries no verdict: the verifier's statistics and blank lines. */
static int boring(const char *l, size_t n)
{
	while (n && (l[n - 1] == '\n' || l[n - 1] == ' '))
		n--;
	if (n == 0)
		return 1;
	return !strncmp(l, "processed ", 10) || !strncmp(l, "verification time", 17) ||
	       !strncmp(l, "stack depth", 11) || !strncmp(l, "-- END PROG LOAD LOG --", 23);
}

/* The last meaningful line of buf (without its newline) into out: the kernel's reason. From 7.3
 * on the verifier follows it with a report ("\nVerification failed: <category>", "Reason:",
 * "At:", "Causal path:", "Suggestion:", kernel/bpf/diagnostics.c); the reason is the line
 * before the report. */
static void last_meaningful(const char *buf, char *out, size_t outsz)
{
	size_t end = strlen(buf);
	const char *r, *report = NULL;

	for (r = strstr(buf, "\nVerification failed: "); r; r = strstr(r + 1, "\nVerification failed: "))
		report = r;
	if (report)
		end = (size_t)(report - buf) + 1;

	out[0] = 0;
	while (end > 0) {
		size_t start = end;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		size_t n = end - start;
		if (n && buf[start + n - 1] == '\n')
			n--;
		if (!boring(buf + start, n)) {
			if (n >= outsz)
				n = outsz - 1;
			memcpy(out, buf + start, n);
			out[n] = 0;
			return;
		}
		end = start ? start - 1 : 0;
		if (start == 0)
			break;
	}
}

/* libbpf's first message (the cause; the last is "failed to load object"), "libbpf: " first. */
static void first_line(const char *buf, char *out, size_t outsz)
{
	size_t n = strcspn(buf, "\n");

	snprintf(out, outsz, "%s%.*s", strncmp(buf, "libbpf: ", 8) ? "libbpf: " : "", (int)n, buf);
}

/* Start of what is reported of the log: for a refusal all of it up to its last TAIL_BYTES (the
 * selftests' __msg patterns may match anywhere), for an acceptance its last TAIL_LINES lines. */
static const char *tail(const char *buf, int refused)
{
	size_t end = strlen(buf);
	int lines = 0;

	if (refused) {
		const char *p = end > TAIL_BYTES ? buf + end - TAIL_BYTES : buf;
		while (p > buf && p[-1] != '\n')
			p++;
		return p;
	}

	while (end > 0) {
		end--;
		if (buf[end] == '\n' && ++lines > TAIL_LINES)
			return buf + end + 1;
	}
	return buf;
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	case ENOTSUP: return "ENOTSUP";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	case EEXIST: return "EEXIST";
	case ENOTSUPP_KERNEL: return "ENOTSUPP";
	case EBADF: return "EBADF";
	case ENXIO: return "ENXIO";
	default: {
		static char b[16];
		snprintf(b, sizeof(b), "E%d", e);
		return b;
	}
	}
}

/* The selftests' __flag(X) annotations of prog (decl tags "comment:N:test_prog_flags=X" on its
 * FUNC, as test_loader.c reads them): the load flags the test asks for. */
static __u32 test_prog_flags(struct bpf_object *obj, struct bpf_program *prog)
{
	static const struct { const char *name; __u32 flag; } names[] = {
		{"BPF_F_STRICT_ALIGNMENT", BPF_F_STRICT_ALIGNMENT}, {"BPF_F_ANY_ALIGNMENT", BPF_F_ANY_ALIGNMENT},
		{"BPF_F_TEST_RND_HI32", BPF_F_TEST_RND_HI32}, {"BPF_F_TEST_STATE_FREQ", BPF_F_TEST_STATE_FREQ},
		{"BPF_F_SLEEPABLE", BPF_F_SLEEPABLE}, {"BPF_F_XDP_HAS_FRAGS", BPF_F_XDP_HAS_FRAGS},
		{"BPF_F_TEST_REG_INVARIANTS", BPF_F_TEST_REG_INVARIANTS},
	};
	const struct btf *btf = bpf_object__btf(obj);
	__u32 flags = bpf_program__flags(prog);
	int func, n;

	if (!btf)
		return flags;
	func = btf__find_by_name_kind(btf, bpf_program__name(prog), BTF_KIND_FUNC);
	n = btf__type_cnt(btf);
	for (int id = 1; func > 0 && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *s, *v;
		int clear;
		__u32 f = 0;

		if (!btf_is_decl_tag(t) || t->type != (__u32)func || btf_decl_tag(t)->component_idx != -1)
			continue;
		s = btf__name_by_offset(btf, t->name_off);
		if (!s || strncmp(s, "comment:", 8) || !(v = strchr(s + 8, ':')))
			continue;
		if (strncmp(++v, "test_prog_flags=", 16))
			continue;
		v += 16;
		clear = *v == '!';
		v += clear;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(v, names[i].name))
				f = names[i].flag;
		if (!f)
			f = strtoul(v, NULL, 0);
		flags = clear ? flags & ~f : flags | f;
	}
	return flags;
}

/* Whether prog carries the selftests' annotation tag (decl tag "comment:N:<tag>" on its FUNC). */
static int has_test_tag(struct bpf_object *obj, struct bpf_program *prog, const char *tag)
{
	const struct btf *btf = bpf_object__btf(obj);
	int func, n;

	if (!btf)
		return 0;
	func = btf__find_by_name_kind(btf, bpf_program__name(prog), BTF_KIND_FUNC);
	n = btf__type_cnt(btf);
	for (int id = 1; func > 0 && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *s, *v;

		if (!btf_is_decl_tag(t) || t->type != (__u32)func || btf_decl_tag(t)->component_idx != -1)
			continue;
		s = btf__name_by_offset(btf, t->name_off);
		if (s && !strncmp(s, "comment:", 8) && (v = strchr(s + 8, ':')) && !strcmp(v + 1, tag))
			return 1;
	}
	return 0;
}

/* Autoload prog #idx of obj, and the programs annotated __auxiliary (selftests: "should always
 * be loaded", e.g. the targets of a statically initialised prog array, as test_loader.c loads
 * them); returns prog #idx. */
static struct bpf_program *select_prog(struct bpf_object *obj, int idx)
{
	struct bpf_program *prog, *target = NULL;
	int i = 0;

	bpf_object__for_each_program(prog, obj) {
		int me = i++ == idx;

		bpf_program__set_autoload(prog, me || has_test_tag(obj, prog, "test_auxiliary"));
		if (me)
			target = prog;
	}
	return target;
}

/* Restrict the struct_ops maps of obj to target (NULL: no struct_ops map at all). */
static void only_struct_ops(struct bpf_object *obj, struct bpf_program *target)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const struct btf_type *t;
		const struct btf_member *m;
		size_t size;
		char *data;
		int found = 0;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		data = bpf_map__initial_value(map, &size);
		t = btf ? btf__type_by_id(btf, bpf_map__btf_value_type_id(map)) : NULL;
		if (target && data && t && btf_is_struct(t)) {
			m = btf_members(t);
			for (int i = 0; i < btf_vlen(t); i++, m++) {
				const struct btf_type *mt = btf__type_by_id(btf, m->type);
				size_t off = btf_member_bit_offset(t, i) / 8;

				while (mt && btf_is_mod(mt))
					mt = btf__type_by_id(btf, mt->type);
				if (!mt || !btf_is_ptr(mt) || off + sizeof(void *) > size)
					continue;
				mt = btf__type_by_id(btf, mt->type);
				if (!mt || !btf_is_func_proto(mt))
					continue;
				if (*(struct bpf_program **)(data + off) == target)
					found = 1;
				else
					*(struct bpf_program **)(data + off) = NULL;
			}
		}
		bpf_map__set_autocreate(map, found);
	}
}

/* /proc for libbpf. libbpf takes LINUX_KERNEL_VERSION from `uname -r` as "%u.%u.%u" (or from
 * Ubuntu's /proc/version_signature); Debian's 7.3 rc kernel calls itself "7.3-amd64", which libbpf
 * cannot parse, so every object with a LINUX_KERNEL_VERSION extern (sched_ext's compat headers)
 * would stop in libbpf ("failed to get kernel version") before the verifier judges it. For such a
 * release only, /proc is a tmpfs that holds a version_signature with the release's numbers (x.y
 * reads x.y.0) and links everything libbpf reads from procfs (kallsyms, <pid>/fdinfo, self, sys)
 * to the real procfs at /kproc. Any other release gets the real procfs at /proc. */
static void setup_proc(const char *release)
{
	unsigned maj, min, pat;
	char buf[64];
	FILE *f;

	mkdir("/proc", 0755);
	if (sscanf(release, "%u.%u.%u", &maj, &min, &pat) == 3 || sscanf(release, "%u.%u", &maj, &min) != 2) {
		mount("proc", "/proc", "proc", 0, NULL);
		return;
	}
	mkdir("/kproc", 0755);
	mount("proc", "/kproc", "proc", 0, NULL);
	mount("tmpfs", "/proc", "tmpfs", 0, NULL);
	f = fopen("/proc/version_signature", "w");
	if (f) {
		fprintf(f, "KFB %s %u.%u.0\n", release, maj, min);
		fclose(f);
	}
	symlink("/kproc/kallsyms", "/proc/kallsyms");
	symlink("/kproc/self", "/proc/self");
	symlink("/kproc/sys", "/proc/sys");
	symlink("/kproc/mounts", "/proc/mounts");
	snprintf(buf, sizeof(buf), "/kproc/%d", getpid());
	symlink(buf, "/proc/1");
}

/* Size the maps whose size user space sets before load (scx_pair's pair_ctx is sized by
 * bpf_map__set_max_entries from the number of CPUs; a declaration may leave it 0): one entry,
 * for the plain array and hash types only (local storage maps must stay 0; libbpf sizes perf
 * event arrays itself). */
static void size_unsized_maps(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		switch (bpf_map__type(map)) {
		case BPF_MAP_TYPE_ARRAY: case BPF_MAP_TYPE_PERCPU_ARRAY: case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_PERCPU_HASH: case BPF_MAP_TYPE_LRU_HASH: case BPF_MAP_TYPE_LRU_PERCPU_HASH:
			if (bpf_map__max_entries(map) == 0)
				bpf_map__set_max_entries(map, 1);
			break;
		default:
			break;
		}
	}
}

/* The variables of obj's .bss and .data as "name=value,...", read from the kernel's maps. */
static void print_globals(struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;
	int first = 1;

	putchar('\t');
	bpf_object__for_each_map(map, obj) {
		const char *mn = bpf_map__name(map), *dot = strrchr(mn, '.');
		const struct btf_type *sec;
		const struct btf_var_secinfo *vi;
		unsigned char val[4096];
		__u32 key = 0;
		int id;

		if (!btf || !dot || (strcmp(dot, ".bss") && strcmp(dot, ".data")) ||
		    bpf_map__value_size(map) > sizeof(val) ||
		    bpf_map_lookup_elem(bpf_map__fd(map), &key, val))
			continue;
		id = btf__find_by_name_kind(btf, dot, BTF_KIND_DATASEC);
		sec = id > 0 ? btf__type_by_id(btf, id) : NULL;
		if (!sec)
			continue;
		vi = btf_var_secinfos(sec);
		for (int i = 0; i < btf_vlen(sec); i++, vi++) {
			const struct btf_type *v = btf__type_by_id(btf, vi->type);
			unsigned long long x = 0;

			for (__u32 b = 0; b < vi->size && b < 8 && vi->offset + b < sizeof(val); b++)
				x |= (unsigned long long)val[vi->offset + b] << (8 * b);
			printf("%s%s=%llu", first ? "" : ",", btf__name_by_offset(btf, v->name_off), x);
			first = 0;
		}
	}
}

/* Run a loaded SEC("syscall") program once (BPF_PROG_TEST_RUN) and print its KFBRUN line. */
static void run_one(struct bpf_object *obj, const char *path, struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	fputs("KFBRUN", stdout);
	put_field(path);
	put_field(bpf_program__name(prog));
	put_field(errname(err ? errno : 0));
	printf("\t%u", opts.retval);
	print_globals(obj);
	putchar('\n');
	fflush(stdout);
}

/* Load program #idx of path alone; print its line. Returns 1 when a line was printed. */
static int load_one(const char *path, int idx, int run)
{
	struct bpf_object *obj;
	struct bpf_program *target;
	struct bpf_object *ran = NULL;
	char msg[1024], name[256], sec[256];
	int err, e = 0;

	libbpf_len = 0;
	libbpf_msgs[0] = 0;
	vlog[0] = 0;
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return 0;
	target = select_prog(obj, idx);
	if (!target) {
		bpf_object__close(obj);
		return 0;
	}
	snprintf(name, sizeof(name), "%s", bpf_program__name(target));
	snprintf(sec, sizeof(sec), "%s", bpf_program__section_name(target));
	only_struct_ops(obj, bpf_program__type(target) == BPF_PROG_TYPE_STRUCT_OPS ? target : NULL);
	size_unsized_maps(obj);
	bpf_program__set_flags(target, test_prog_flags(obj, target));
	bpf_program__set_log_buf(target, vlog, LOG_SIZE);
	bpf_program__set_log_level(target, 1);
	err = bpf_object__load(obj);
	if (err)
		e = -err;
	if (!e && run && bpf_program__type(target) == BPF_PROG_TYPE_SYSCALL) {
		fflush(stdout);
		ran = obj;  /* printed after the KFB line, then closed */
	} else {
		bpf_object__close(obj);
	}
	if (e == ENOSPC && vlog[0]) {
		/* The log outgrew the buffer (the kernel then fails the load with ENOSPC, whatever
		 * its verdict): load again without a log for the verdict; the tail we have is the
		 * end of the log, which is where the reason is. */
		char *keep = strdup(vlog);
		obj = bpf_object__open_file(path, NULL);
		target = select_prog(obj, idx);
		only_struct_ops(obj, bpf_program__type(target) == BPF_PROG_TYPE_STRUCT_OPS ? target : NULL);
		size_unsized_maps(obj);
		bpf_program__set_flags(target, test_prog_flags(obj, target));
		libbpf_len = 0;
		libbpf_msgs[0] = 0;
		bpf_program__set_log_buf(target, vlog, 64);
		bpf_program__set_log_level(target, 0);
		err = bpf_object__load(obj);
		e = err ? -err : 0;
		bpf_object__close(obj);
		snprintf(vlog, LOG_SIZE, "%s", keep);
		free(keep);
	}
	/* libbpf fills statically initialised prog arrays after every program loaded; a slot
	 * whose program was not asked for fails then (-EBADF), after the verifier accepted ours. */
	if (e && strstr(libbpf_msgs, "failed to initialize slot"))
		e = 0;
	if (e && vlog[0])
		last_meaningful(vlog, msg, sizeof(msg));
	else if (e)
		first_line(libbpf_msgs, msg, sizeof(msg));
	else
		msg[0] = 0;

	fputs("KFB", stdout);
	put_field(path);
	put_field(name);
	put_field(sec);
	put_field(e ? "refused" : "accepted");
	put_field(errname(e));
	put_field(msg);
	put_field(libbpf_msgs);
	put_field(tail(vlog, e != 0));
	putchar('\n');
	fflush(stdout);
	if (ran) {
		run_one(ran, path, target);
		bpf_object__close(ran);
	}
	return 1;
}

int main(void)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	struct utsname u;
	char path[4096];
	FILE *list;
	int progs = 0;

	mkdir("/sys", 0755);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	uname(&u);
	setup_proc(u.release);
	setrlimit(RLIMIT_MEMLOCK, &r);
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(on_print);
	vlog = malloc(LOG_SIZE);
	printf("KFB start %s libbpf %u.%u\n", u.release, libbpf_major_version(), libbpf_minor_version());

	list = fopen("/objs/list", "r");
	while (list && fgets(path, sizeof(path), list)) {
		int run = !strncmp(path, "run:", 4);

		path[strcspn(path, "\n")] = 0;
		if (run)
			memmove(path, path + 4, strlen(path + 4) + 1);
		if (!path[0])
			continue;
		/* Each program alone; the object is opened once more per program. */
		for (int idx = 0;; idx++) {
			libbpf_len = 0;
			libbpf_msgs[0] = 0;
			struct bpf_object *o = bpf_object__open_file(path, NULL);
			struct bpf_program *p;
			int n = 0;

			if (!o) {
				if (idx == 0) {
					fputs("KFB", stdout);
					put_field(path);
					put_field("-");
					put_field("-");
					put_field("refused");
					put_field(errname(errno));
					put_field("libbpf: cannot open the object");
					put_field(libbpf_msgs);
					put_field("");
					putchar('\n');
				}
				break;
			}
			bpf_object__for_each_program(p, o)
				n++;
			bpf_object__close(o);
			if (idx >= n)
				break;
			progs += load_one(path, idx, run);
		}
	}
	printf("KFB done %d\n", progs);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
