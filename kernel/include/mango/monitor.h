/*
 * mango/monitor.h - the interactive monitor on the console.
 *
 * A command is registered from any file, without touching the monitor:
 *
 *     static int cmd_hello(int argc, char **argv) { ... return 0; }
 *     MONITOR_COMMAND(hello, "[name]", "say hello", cmd_hello);
 *
 * The linker collects the entries (section mango_cmds.*, sorted by name),
 * so `help` lists commands alphabetically. A handler returns 0 on success
 * or non-zero after printing what was wrong; argv[0] is the command name.
 */
#ifndef MANGO_MONITOR_H_
#define MANGO_MONITOR_H_

#include <mango/types.h>

#define MONITOR_PROMPT "mango> "
#define MONITOR_LINE_MAX 256
#define MONITOR_ARGS_MAX 16

struct monitor_cmd {
	const char *name;
	const char *args; /* usage, e.g. "<addr>" */
	const char *help; /* one line */
	int (*fn)(int argc, char **argv);
};

#define MONITOR_COMMAND(cname, cargs, chelp, cfn)                           \
	static const struct monitor_cmd __monitor_cmd_##cname                    \
		__section("mango_cmds." #cname) __used __aligned(8) = {         \
			.name = #cname, .args = cargs, .help = chelp, .fn = cfn \
		}

/* monitor_run - read, run, repeat. Never returns. */
void monitor_run(void) __noreturn;

/* monitor_exec - run one command line; returns the command's status, or
 * -1 for an empty or unknown command. */
int monitor_exec(char *line);

/* monitor_usage - print "usage: <name> <args>" for the running command. */
int monitor_usage(const char *name);

#endif /* MANGO_MONITOR_H_ */
