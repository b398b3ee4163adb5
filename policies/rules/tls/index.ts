import { apigatewayDomainTls13 } from "./apigatewayDomainTls13";
import { apigatewayv2DomainTls } from "./apigatewayv2DomainTls";
import { cloudfrontTls13 } from "./cloudfrontTls13";
import { lbListenerHttpRedirectsToHttps } from "./lbListenerHttpRedirectsToHttps";
import { lbListenerTls13Only } from "./lbListenerTls13Only";

export const rules = [lbListenerTls13Only, lbListenerHttpRedirectsToHttps, apigatewayDomainTls13, apigatewayv2DomainTls, cloudfrontTls13];
