/*
 * The debug shell's `gdb` command (gdb/gdb_stub.h): which guest the stub
 * serves and on which UART, changed or switched off while gdb is not attached.
 */
#include "gdb/gdb_stub.h"
#include "lib/number.h"
#include "lib/string.h"

static void show(void)
{
	uint16_t port;
	bool attached;
	const struct partition *p = gdb_stub_guest(&port, &attached);

	if (!p)
		shell_printf("no gdb stub (gdb GUEST [PORT] starts one)\n");
	else
		shell_printf("gdb stub: guest %s on the UART at 0x%x, %s\n", p->name, port,
			     attached ? "gdb attached" : "waiting for gdb");
}

static void cmd_gdb(int argc, char **argv)
{
	uint16_t port = GDB_DEFAULT_PORT;
	const char *why;

	if (argc == 1) {
		show();
		return;
	}
	if (!strcmp(argv[1], "off")) {
		why = gdb_stub_stop();
		shell_printf("%s\n", why ? why : "gdb stub off");
		return;
	}
	why = argc > 2 ? parse_serial_port(argv[2], &port) : NULL;
	if (!why)
		why = gdb_stub_start(argv[1], port);
	if (why)
		shell_printf("gdb %s: %s\n", argv[1], why);
	else
		show();
}

const struct shell_cmd gdb_shell_cmd = {
	"gdb", "[GUEST [PORT] | off]", "the gdb stub's guest and UART (com2 by default)", 0, 2,
	cmd_gdb,
};
