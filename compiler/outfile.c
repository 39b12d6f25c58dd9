/* outfile.c: atomic output files (see outfile.h). POSIX: mkstemp, rename,
 * sigaction, sigprocmask.
 *
 * The temporaries in progress are kept in a small table the signal handler
 * reads. The table only changes while SIGINT, SIGTERM and SIGHUP are held,
 * so the handler never sees a half-made entry; it calls only unlink,
 * sigaction and raise, which are async-signal-safe.
 */
#include "outfile.h"

#include <errno.h>
#include <signal.h>
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

/* ---- test hooks ---------------------------------------------------------------- */

static bool fail_at(const char *point)
{
	const char *v = getenv("QONNXC_FAIL_AT");
	return v && !strcmp(v, point);
}

static void test_pause(void)
{
	const char *v = getenv("QONNXC_TEST_PAUSE_WRITE");
	double s = v ? strtod(v, NULL) : 0;
	if (s > 0) {
		struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* ---- files ------------------------------------------------------------------ */

static void release(struct outfile *o)
{
	free(o->path);
	free(o->tmp_path);
	memset(o, 0, sizeof *o);
}

/* Removes o's temporary (if any) and frees o. */
static void discard(struct outfile *o)
{
	if (o->tmp_path) {
		sigset_t saved;
		hold_signals(&saved);
		unlink(o->tmp_path);
		untrack(o->tmp_path);
		release_signals(&saved);
	}
	release(o);
}

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
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
	size_t n = strlen(path);
	o->path = strdup(path);
	o->tmp_path = malloc(n + 16);
	if (!o->path || !o->tmp_path)
		goto fail;
	snprintf(o->tmp_path, n + 16, "%s.tmp-XXXXXX", path);
	sigset_t saved;
	hold_signals(&saved);
	install_handlers();
	int fd = mkstemp(o->tmp_path);
	if (fd >= 0 && !track(o->tmp_path)) {
		unlink(o->tmp_path);
		close(fd);
		fd = -1;
		errno = EMFILE;
	}
	release_signals(&saved);
	if (fd < 0)
		goto fail;
	fchmod(fd, 0644);
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

/* Closes o's file and checks that everything reached it: 0, or -1 with a
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
	if (fclose(o->f) != 0)
		bad = 1;
	o->f = NULL;
	if (bad)
		return snprintf(err, errlen, "cannot write '%s': %s", o->path ? o->path : "the output",
				strerror(errno ? errno : EIO)), -1;
	if (o->direct)
		return 0;
	test_pause();
	if (fail_at("commit"))
		return snprintf(err, errlen, "cannot write '%s': failure injected by QONNXC_FAIL_AT",
				o->path), -1;
	return 0;
}

/* Renames the temporaries over their targets, with the signals held so that
 * a kill does not stop in the middle of the group. A rename that fails after
 * others succeeded cannot be undone, but finish() has checked everything
 * that can be checked before the first one. */
static int rename_all(struct outfile *o, int n, char *err, size_t errlen)
{
	int rc = 0;
	sigset_t saved;
	hold_signals(&saved);
	for (int i = 0; i < n && rc == 0; i++) {
		if (!o[i].tmp_path)
			continue;
		if (rename(o[i].tmp_path, o[i].path) != 0) {
			snprintf(err, errlen, "cannot write '%s': %s", o[i].path, strerror(errno));
			rc = -1;
			break;
		}
		untrack(o[i].tmp_path);
		free(o[i].tmp_path);
		o[i].tmp_path = NULL;
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
		rc = rename_all(o, n, err, errlen);
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
