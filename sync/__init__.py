"""The offline sync protocol, free of Flask and of the app: the batch envelope a device sends
(envelope), the device clock offset (clock), and how each entry of a batch is answered (protocol).
The app supplies an Applier that writes entries through its own operations."""
