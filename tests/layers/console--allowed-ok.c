/* Layer probe (see README.md): a header of its own layer or below, must compile. */
#include "ctk_bundle.h"
#include "ctk_console_store.h"
#include "ctk_pics.h"
