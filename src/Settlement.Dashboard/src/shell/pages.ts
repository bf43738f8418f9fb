// Every page, in menu order. A page module owns its routes; the shell checks access before it renders.
import { page as evidence } from "../Audit/evidence";
import { page as network } from "../Chargers/network";
import { page as money } from "../Invoicing/money";
import { page as kpis } from "../Kpis/kpis";
import { page as energy } from "../LoadBalancing/energy";
import { page as operations } from "../SelfHealing/operations";
import { page as sessions } from "../Sessions/sessions";
import type { Page } from "./page";

export const pages: Page[] = [network, kpis, sessions, money, energy, operations, evidence];
