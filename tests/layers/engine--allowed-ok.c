/* Layer probe (see README.md): a header of its own layer or below, must compile. */
#include "ctk_profile.h"
