DROP TABLE win_backs;
