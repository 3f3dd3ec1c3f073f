// The real peers (mosquitto, the pymodbus PLC, a stand-in MES) come with the test support, so a
// test target that imports LoupeTestSupport has every shared helper.
@_exported import LoupePeers
@_exported import LoupeTensor
