/** The catalog's entries, one file each; listed here so every bundle carries them without a file scan. */
import airtable from './airtable.js';
import asana from './asana.js';
import attio from './attio.js';
import bamboohr from './bamboohr.js';
import box from './box.js';
import calendly from './calendly.js';
import clickup from './clickup.js';
import close from './close.js';
import confluence from './confluence.js';
import discord from './discord.js';
import dropbox from './dropbox.js';
import freshdesk from './freshdesk.js';
import front from './front.js';
import github from './github.js';
import gitlab from './gitlab.js';
import gong from './gong.js';
import googleCalendar from './google-calendar.js';
import googleDrive from './google-drive.js';
import googleMail from './google-mail.js';
import googleSheets from './google-sheets.js';
import greenhouse from './greenhouse.js';
import hubspot from './hubspot.js';
import intercom from './intercom.js';
import jira from './jira.js';
import lever from './lever.js';
import linear from './linear.js';
import mailchimp from './mailchimp.js';
import microsoft from './microsoft.js';
import monday from './monday.js';
import netsuite from './netsuite.js';
import notion from './notion.js';
import pipedrive from './pipedrive.js';
import quickbooks from './quickbooks.js';
import salesforce from './salesforce.js';
import salesforceSandbox from './salesforce-sandbox.js';
import shopify from './shopify.js';
import slack from './slack.js';
import stripe from './stripe.js';
import trello from './trello.js';
import twilio from './twilio.js';
import xero from './xero.js';
import zendesk from './zendesk.js';
import zohoCrm from './zoho-crm.js';
import zoom from './zoom.js';
import type { ProviderInput } from '../provider.js';

export const CATALOG_ENTRIES: ProviderInput[] = [
  airtable,
  asana,
  attio,
  bamboohr,
  box,
  calendly,
  clickup,
  close,
  confluence,
  discord,
  dropbox,
  freshdesk,
  front,
  github,
  gitlab,
  gong,
  googleCalendar,
  googleDrive,
  googleMail,
  googleSheets,
  greenhouse,
  hubspot,
  intercom,
  jira,
  lever,
  linear,
  mailchimp,
  microsoft,
  monday,
  netsuite,
  notion,
  pipedrive,
  quickbooks,
  salesforce,
  salesforceSandbox,
  shopify,
  slack,
  stripe,
  trello,
  twilio,
  xero,
  zendesk,
  zohoCrm,
  zoom,
];
