/* Broken on purpose: a shared object without the entry function. */
#include <salesync/plugin.h>

SS_EXPORT int not_a_salesync_plugin(void);
int not_a_salesync_plugin(void)
{
	return 42;
}
