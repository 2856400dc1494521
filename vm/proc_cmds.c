/*
 * proc_cmds.c - the monitor's `run`: load a program packed into the
 * kernel (<mango/user_image.h>), run it in user mode, say how it ended.
 *
 *   mango> run hello a b
 *   hello, world (3 arguments)
 *   run: hello exited with status 3
 *   mango> run rofault
 *   user: rofault killed: page fault: user write to read-only mapping ...
 *   run: rofault killed
 */
#include <mango/monitor.h>
#include <mango/param.h>
#include <mango/printk.h>
#include <mango/proc.h>
#include <mango/user_image.h>

KERNEL_PARAM(proc_time_limit, "proc.time_limit_ms",
	     "kill a program `run` started after this many ms (default 10000; 0: never)");

#define WHY_MAX 160
#define TIME_LIMIT_MAX_MS (3600ull * 1000)

/* list_programs - the names `run` accepts, on one line. */
static void list_programs(void)
{
	printk("programs:");
	for (size_t i = 0; i < user_image_count(); i++)
		printk(" %s", user_image_at(i)->ui_name);
	printk("\n");
}

/* cmd_run - run argv[1] with argv[1..] as its arguments; 0 when it ran
 * (whatever its status), 1 when it could not be loaded or run. */
static int cmd_run(int argc, char **argv)
{
	const struct user_image *img;
	uint64_t limit = PROC_TIME_LIMIT_MS;
	char why[WHY_MAX];
	struct proc *p;
	kern_status_t s;

	if (argc < 2) {
		monitor_usage(argv[0]);
		list_programs();
		return 1;
	}
	img = user_image_find(argv[1]);
	if (!img) {
		printk("run: no program '%s'; ", argv[1]);
		list_programs();
		return 1;
	}
	param_get_u64("proc.time_limit_ms", TIME_LIMIT_MAX_MS, &limit);
	s = proc_create(img->ui_name, img->ui_data, img->ui_size, argc - 1, argv + 1, &p, why,
			sizeof(why));
	if (s != KERN_OK) {
		printk("run: cannot load '%s': %s (%s)\n", argv[1], why, kern_status_name(s));
		return 1;
	}
	s = proc_run(p, limit);
	if (s != KERN_OK)
		printk("run: %s did not run: %s\n", argv[1], kern_status_name(s));
	else if (p->p_thread.ut_end == USER_EXITED)
		printk("run: %s exited with status %d\n", argv[1], p->p_thread.ut_status);
	else
		printk("run: %s killed\n", argv[1]);
	proc_destroy(p);
	return s == KERN_OK ? 0 : 1;
}
MONITOR_COMMAND(run, "<program> [args...]", "run a user program in ring 3 and print how it ended",
		cmd_run);
