/*
 * onion_export: `onionsip export-onion`, what to give friends: the onion
 * address and SIP address, and for a private service a fresh client
 * authorization key pair (the public half for our OnionAuthorizedClients,
 * the private half for the friend's tor).
 */
#ifndef ONIONSIP_ONION_EXPORT_H
#define ONIONSIP_ONION_EXPORT_H

int onion_export_main(int argc, char **argv);

#endif
