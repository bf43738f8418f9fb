import "./shell/main";
