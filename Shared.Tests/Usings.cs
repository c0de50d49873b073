global using Google.Protobuf;
