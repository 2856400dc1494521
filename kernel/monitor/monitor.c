/*
 * monitor.c - the monitor's core: line editing, splitting, dispatch, help.
 * Commands live elsewhere (commands.c and every lab's files) and reach the
 * monitor only through MONITOR_COMMAND.
 */
#include <mango/console.h>
#include <mango/format.h>
#include <mango/monitor.h>
#include <mango/printk.h>
#include <mango/string.h>

#define BS 0x08
#define DEL 0x7F
#define BELL 0x07
#define HELP_COLUMN 22 /* width of the usage column in 'help' */

extern const struct monitor_cmd __monitor_cmds_start[], __monitor_cmds_end[];

static const struct monitor_cmd *find(const char *name)
{
	for (const struct monitor_cmd *c = __monitor_cmds_start; c < __monitor_cmds_end; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/*
 * readline - read one line into @buf (NUL-terminated, without the newline).
 * Backspace/DEL erase a character, Ctrl-U the whole line, Ctrl-C abandons
 * the line (returns false). CR, LF and CR LF all end a line.
 */
static bool readline(char *buf, size_t size)
{
	static bool last_was_cr;
	size_t n = 0;

	for (;;) {
		int c = console_getc();
		if (c == '\n' && last_was_cr) {
			last_was_cr = false;
			continue;
		}
		last_was_cr = (c == '\r');
		if (c == '\r' || c == '\n') {
			console_putc('\n');
			buf[n] = '\0';
			return true;
		} else if (c == BS || c == DEL) {
			if (n) {
				n--;
				console_write("\b \b", 3);
			}
		} else if (c == CTRL('U')) {
			while (n) {
				n--;
				console_write("\b \b", 3);
			}
		} else if (c == CTRL('C')) {
			console_write("^C\n", 3);
			return false;
		} else if (c >= ' ' && c < DEL) {
			if (n + 1 < size) {
				buf[n++] = (char)c;
				console_putc((char)c);
			} else {
				console_putc(BELL);
			}
		}
	}
}

static int split(char *line, char **argv)
{
	int argc = 0;
	for (;;) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line)
			break;
		if (argc == MONITOR_ARGS_MAX) {
			printk("too many arguments (at most %d)\n", MONITOR_ARGS_MAX - 1);
			return -1;
		}
		argv[argc++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
		if (*line)
			*line++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

int monitor_exec(char *line)
{
	char *argv[MONITOR_ARGS_MAX + 1];
	const struct monitor_cmd *c;
	int argc = split(line, argv);

	if (argc <= 0)
		return -1;
	c = find(argv[0]);
	if (!c) {
		printk("unknown command '%s' (try 'help')\n", argv[0]);
		return -1;
	}
	return c->fn(argc, argv);
}

int monitor_usage(const char *name)
{
	const struct monitor_cmd *c = find(name);
	if (c)
		printk("usage: %s %s\n", c->name, c->args);
	return 1;
}

void monitor_run(void)
{
	char line[MONITOR_LINE_MAX];

	printk("Type 'help' for a list of commands.\n");
	for (;;) {
		console_write(MONITOR_PROMPT, sizeof(MONITOR_PROMPT) - 1);
		if (readline(line, sizeof(line)))
			monitor_exec(line);
	}
}

static int cmd_help(int argc, char **argv)
{
	const struct monitor_cmd *c;

	if (argc > 1) {
		c = find(argv[1]);
		if (!c) {
			printk("unknown command '%s' (try 'help')\n", argv[1]);
			return 1;
		}
		printk("%s %s\n    %s\n", c->name, c->args, c->help);
		return 0;
	}
	for (c = __monitor_cmds_start; c < __monitor_cmds_end; c++) {
		char usage[MONITOR_LINE_MAX];
		int n = snprintf(usage, sizeof(usage), "%s %s", c->name, c->args);
		if (n <= HELP_COLUMN)
			printk("  %-*s %s\n", HELP_COLUMN, usage, c->help);
		else /* a long usage gets a line of its own */
			printk("  %s\n  %-*s %s\n", usage, HELP_COLUMN, "", c->help);
	}
	return 0;
}
MONITOR_COMMAND(help, "[command]", "list commands, or describe one", cmd_help);
