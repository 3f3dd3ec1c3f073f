// libmosquitto (Debian libmosquitto-dev), the MQTT 3.1.1 client under LoupeMES.MQTTLink.
#include <mosquitto.h>
