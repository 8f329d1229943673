/* Layer probe (see README.md): a header from above its layer, must not compile. */
#include "ctk_console.h"
