/* The debug shell's commands (shell_cmds.c: the table; shell_show.c: looking, shell_act.c: acting). */
#ifndef HV_SHELL_SHELL_CMDS_H
#define HV_SHELL_SHELL_CMDS_H

void cmd_cpus(int argc, char **argv);
void cmd_guests(int argc, char **argv);
void cmd_vcpus(int argc, char **argv);
void cmd_stats(int argc, char **argv);
void cmd_trace(int argc, char **argv);
void cmd_regs(int argc, char **argv);
void cmd_vmstate(int argc, char **argv);
void cmd_lapic(int argc, char **argv);
void cmd_synic(int argc, char **argv);
void cmd_ioapic(int argc, char **argv);
void cmd_mem(int argc, char **argv);
void cmd_poke(int argc, char **argv);
void cmd_post(int argc, char **argv);
void cmd_signal(int argc, char **argv);
void cmd_inject(int argc, char **argv);
void cmd_pause(int argc, char **argv);
void cmd_resume(int argc, char **argv);
void cmd_kill(int argc, char **argv);
void cmd_loglevel(int argc, char **argv);
void cmd_reboot(int argc, char **argv);
void cmd_panic(int argc, char **argv);
void cmd_integrity(int argc, char **argv);

#endif
