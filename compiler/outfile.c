/* outfile.c: atomic output files (see outfile.h). POSIX: open, link,
 * rename, sigaction, sigprocmask; Linux where present: O_TMPFILE, linkat
 * through /proc/self/fd.
 *
 * The named temporaries in progress are kept in a small table the signal
 * handler reads. The table only changes while SIGINT, SIGTERM and SIGHUP
 * are held, so the handler never sees a half-made entry; it calls only
 * unlink, sigaction and raise, which are async-signal-safe. An unnamed file
 * needs no entry: it is named and renamed in one stretch with the signals
 * held, and the kernel drops it if the process ends before.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "outfile.h"
#include "ir/test_hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- temporaries and signals ------------------------------------------------ */

enum { MAX_PENDING = 16 };
static const int caught[] = {SIGINT, SIGTERM, SIGHUP};
enum { NCAUGHT = sizeof caught / sizeof caught[0] };

static char *volatile pending[MAX_PENDING];
static bool handlers_installed;

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i])
			unlink(pending[i]);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	raise(sig); /* held until the handler returns, then ends the process */
}

static void hold_signals(sigset_t *saved)
{
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < NCAUGHT; i++)
		sigaddset(&set, caught[i]);
	sigprocmask(SIG_BLOCK, &set, saved);
}

static void release_signals(const sigset_t *saved)
{
	sigprocmask(SIG_SETMASK, saved, NULL);
}

/* Installs on_signal for the signals that were not ignored (nohup keeps
 * SIGHUP ignored, and so do we). Called with the signals held. */
static void install_handlers(void)
{
	if (handlers_installed)
		return;
	handlers_installed = true;
	for (int i = 0; i < NCAUGHT; i++) {
		struct sigaction old, sa;
		if (sigaction(caught[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		for (int k = 0; k < NCAUGHT; k++)
			sigaddset(&sa.sa_mask, caught[k]);
		sigaction(caught[i], &sa, NULL);
	}
}

/* Called with the signals held. */
static bool track(char *tmp)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (!pending[i]) {
			pending[i] = tmp;
			return true;
		}
	return false;
}

static void untrack(const char *tmp)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i] == tmp)
			pending[i] = NULL;
}

static sigset_t held_mask;

void outfile_hold(void)
{
	hold_signals(&held_mask);
}

void outfile_release(void)
{
	release_signals(&held_mask);
}

/* ---- names ------------------------------------------------------------------------ */

/* PATH.tmp-XXXXXX, malloc'd (NULL when out of memory). */
static char *tmp_template(const char *path)
{
	size_t n = strlen(path) + 16;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s.tmp-XXXXXX", path);
	return s;
}

/* Replaces the trailing XXXXXX of name with characters unlikely to repeat
 * (time, process, a counter) and calls make(name, arg), again while that
 * fails with EEXIST (at most 100 times). Returns what make last returned. */
static int with_fresh_name(char *name, int (*make)(const char *, int), int arg)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	static uint64_t counter;
	char *x = name + strlen(name) - 6;
	int rc = -1;
	for (int attempt = 0; attempt < 100; attempt++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 40);
		v ^= ++counter * UINT64_C(0x9e3779b97f4a7c15);
		for (int i = 0; i < 6; i++, v /= 36)
			x[i] = digits[v % 36];
		rc = make(name, arg);
		if (rc >= 0 || errno != EEXIST)
			return rc;
	}
	return rc;
}

/* make() for with_fresh_name: a new file, mode 0666 less the umask. */
static int create_file(const char *name, int unused)
{
	(void)unused;
	return open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
}

/* ---- unnamed files (Linux) ----------------------------------------------------------- */

#ifdef O_TMPFILE
static void proc_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* An unnamed file in path's folder, mode 0666 less the umask; -1 with errno
 * EOPNOTSUPP when it cannot be made or could not be named later. */
static int open_unnamed(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return -1;
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	free(dir);
	if (fd < 0)
		return -1;
	char link[48];
	proc_fd_path(link, sizeof link, fd);
	if (access(link, F_OK) < 0) { /* no /proc: could not be given a name */
		close(fd);
		errno = EOPNOTSUPP;
		return -1;
	}
	return fd;
}

/* make() for with_fresh_name: the unnamed file fd under name. */
static int link_unnamed(const char *name, int fd)
{
	char link[48];
	proc_fd_path(link, sizeof link, fd);
	return linkat(AT_FDCWD, link, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
}

/* Gives the unnamed file fd the name path, replacing the file there if any:
 * a link straight to path when it is free, else a link to a fresh name
 * beside it renamed over path. Called with the signals held. */
static int name_unnamed(int fd, const char *path)
{
	if (link_unnamed(path, fd) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	char *tmp = tmp_template(path);
	if (!tmp)
		return -1;
	int rc = with_fresh_name(tmp, link_unnamed, fd);
	if (rc == 0 && rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		rc = -1;
	}
	free(tmp);
	return rc;
}
#else
static int open_unnamed(const char *path)
{
	(void)path;
	errno = EOPNOTSUPP;
	return -1;
}

static int name_unnamed(int fd, const char *path)
{
	(void)fd, (void)path;
	errno = EOPNOTSUPP;
	return -1;
}
#endif

/* Errors of open_unnamed after which a named temporary may still work. */
static bool unnamed_unsupported(int e)
{
	return e == EOPNOTSUPP || e == ENOTSUP || e == EISDIR || e == EINVAL || e == ENOSYS;
}

/* ---- files ------------------------------------------------------------------ */

static void release(struct outfile *o)
{
	free(o->path);
	free(o->tmp_path);
	memset(o, 0, sizeof *o);
	o->fd = -1;
}

/* Removes o's temporary (if any), closes its unnamed file, and frees o. */
static void discard(struct outfile *o)
{
	if (o->tmp_path) {
		sigset_t saved;
		hold_signals(&saved);
		unlink(o->tmp_path);
		untrack(o->tmp_path);
		release_signals(&saved);
	}
	if (o->fd >= 0)
		close(o->fd);
	release(o);
}

/* A named temporary beside o->path, registered for the signal handler. */
static int open_named(struct outfile *o)
{
	o->tmp_path = tmp_template(o->path);
	if (!o->tmp_path)
		return -1;
	sigset_t saved;
	hold_signals(&saved);
	install_handlers();
	int fd = with_fresh_name(o->tmp_path, create_file, 0);
	if (fd >= 0 && !track(o->tmp_path)) {
		unlink(o->tmp_path);
		close(fd);
		fd = -1;
		errno = EMFILE;
	}
	release_signals(&saved);
	if (fd < 0) {
		free(o->tmp_path);
		o->tmp_path = NULL;
	}
	return fd;
}

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or pipe (/dev/null, a fifo): nothing to replace atomically. */
		o->f = fopen(path, "wb");
		if (!o->f)
			goto fail;
		o->direct = true;
		return 0;
	}
	o->path = strdup(path);
	if (!o->path)
		goto fail;
	int fd = -1;
	errno = EOPNOTSUPP;
	if (!test_hook_fallback())
		fd = open_unnamed(path);
	o->unnamed = fd >= 0;
	if (fd < 0 && unnamed_unsupported(errno))
		fd = open_named(o);
	if (fd < 0)
		goto fail;
	o->f = fdopen(fd, "wb");
	if (o->f)
		return 0;
	int e = errno;
	close(fd);
	discard(o);
	errno = e;
fail:
	snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	release(o);
	return -1;
}

/* Closes o's stream and checks that everything reached the file (an unnamed
 * file stays open through o->fd until it is named): 0, or -1 with a
 * message (o is left for discard). */
static int finish(struct outfile *o, char *err, size_t errlen)
{
	if (o->f == stdout) {
		o->f = NULL;
		if (fflush(stdout) != 0)
			return snprintf(err, errlen, "cannot write to standard output: %s",
					strerror(errno)), -1;
		return 0;
	}
	int bad = ferror(o->f);
	errno = 0;
	if (o->unnamed && (o->fd = fcntl(fileno(o->f), F_DUPFD_CLOEXEC, 0)) < 0)
		bad = 1;
	if (fclose(o->f) != 0)
		bad = 1;
	o->f = NULL;
	if (bad)
		return snprintf(err, errlen, "cannot write '%s': %s", o->path ? o->path : "the output",
				strerror(errno ? errno : EIO)), -1;
	if (o->direct)
		return 0;
	test_hook_pause();
	if (test_hook_fail_at("commit"))
		return snprintf(err, errlen, "cannot write '%s': failure injected by QONNXC_FAIL_AT",
				o->path), -1;
	return 0;
}

/* Puts o's finished file in place of its target. */
static int put_in_place(struct outfile *o)
{
	if (o->unnamed) {
		if (name_unnamed(o->fd, o->path) < 0)
			return -1;
		close(o->fd);
		o->fd = -1;
		o->unnamed = false;
		return 0;
	}
	if (!o->tmp_path)
		return 0; /* standard output or a device: already written */
	if (rename(o->tmp_path, o->path) < 0)
		return -1;
	untrack(o->tmp_path);
	free(o->tmp_path);
	o->tmp_path = NULL;
	return 0;
}

/* Puts the files in place with the signals held, so that a kill does not
 * stop in the middle of the group. A step that fails after others succeeded
 * cannot be undone, but finish() has checked everything that can be checked
 * before the first one. */
static int place_all(struct outfile *o, int n, char *err, size_t errlen)
{
	int rc = 0;
	sigset_t saved;
	hold_signals(&saved);
	for (int i = 0; i < n; i++)
		if (put_in_place(&o[i]) < 0) {
			snprintf(err, errlen, "cannot write '%s': %s", o[i].path, strerror(errno));
			rc = -1;
			break;
		}
	release_signals(&saved);
	return rc;
}

int outfile_commit_all(struct outfile *o, int n, char *err, size_t errlen)
{
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = finish(&o[i], err, errlen);
	if (rc == 0)
		rc = place_all(o, n, err, errlen);
	for (int i = 0; i < n; i++)
		outfile_abort(&o[i]); /* what is left: unfinished files, temporaries */
	return rc;
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
	return outfile_commit_all(o, 1, err, errlen);
}

void outfile_abort(struct outfile *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	discard(o);
}
